import Foundation
import RSSegModels
import Torch

/// The checkpoints of a run folder: `checkpoints/step-<N>/` each holding `model.safetensors`
/// (the task's model file) and `training-state.safetensors` (`TrainingState`), and
/// `checkpoints/best.json` listing the best ones by the monitor metric.
/// A checkpoint is written under a temporary name and renamed into place, then the text file
/// `checkpoints/last` names it (replaced atomically), so an interrupted write never shows.
/// `checksums.json` in each checkpoint records the size and CRC-32 of its files; `lastGood`
/// verifies them, so a checkpoint damaged afterwards (truncated by a full disk or a copy, bit
/// rot) is reported and the previous good one is used instead.
struct CheckpointStore {
  let folder: URL
  static let modelFile = "model.safetensors"
  static let checksumFile = "checksums.json"

  init(run: URL) { folder = run.appendingPathComponent("checkpoints") }

  func path(_ name: String) -> URL { folder.appendingPathComponent(name) }

  /// The name of the last complete checkpoint, if any.
  var last: String? {
    (try? String(contentsOf: folder.appendingPathComponent("last"), encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Writes checkpoint `name` with `write(folder)` and makes it the last one.
  func save(_ name: String, _ write: (URL) throws -> Void) throws {
    try makeFolder(folder)
    let partial = folder.appendingPathComponent(".\(name).partial"), final = path(name)
    try? FileManager.default.removeItem(at: partial)
    try makeFolder(partial)
    try write(partial)
    try writeChecksums(in: partial)
    try? FileManager.default.removeItem(at: final)
    do { try FileManager.default.moveItem(at: partial, to: final) } catch {
      throw DataError.output(path: final.path, problem: "cannot move the checkpoint into place: \(error.localizedDescription)")
    }
    try writeAtomically(name + "\n", to: folder.appendingPathComponent("last"))
  }

  /// Writes checkpoint `name`: the model file by `writeModel(path)`, then `state` with the
  /// network state the model file left out.
  func save(_ name: String, state: TrainingState, network: Module, writeModel: (String) throws -> Void) throws {
    try save(name) { dir in
      let modelPath = dir.appendingPathComponent(Self.modelFile).path
      try writeModel(modelPath)
      let written = Set(try SafeTensors.read(modelPath).names)
      var state = state
      state.network = try network.orderedStateDict().filter { !written.contains($0.key) }.map { ($0.key, $0.tensor) }
      try state.save(in: dir)
    }
  }

  /// Checkpoint `name`'s network weights (model file and training-only state) and training state.
  func load(_ name: String) throws -> (weights: [String: Tensor], state: TrainingState) {
    let dir = path(name)
    let state = try TrainingState.load(from: dir)
    var weights = Dictionary(uniqueKeysWithValues: try SafeTensors.read(dir.appendingPathComponent(Self.modelFile).path).tensors())
    for (key, tensor) in state.network { weights[key] = tensor }
    return (weights, state)
  }

  /// Writes `best.json`: the best checkpoints and their `monitor` values, best first.
  func writeBest(_ best: [(checkpoint: String, value: Double)], monitor: String) throws {
    let entries = best.map { "{\"checkpoint\":\"\($0.checkpoint)\",\"\(monitor)\":\($0.value)}" }
    try writeAtomically("[" + entries.joined(separator: ",") + "]\n", to: folder.appendingPathComponent("best.json"))
  }

  /// Removes checkpoint folders not in `keep`, and partial ones an interrupted run left.
  func prune(keeping keep: Set<String>) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    for name in names where (name.hasPrefix("step-") && !keep.contains(name)) || (name.hasPrefix(".step-") && name.hasSuffix(".partial")) {
      try? FileManager.default.removeItem(at: path(name))
    }
  }

  // MARK: - checksums

  private func writeChecksums(in dir: URL) throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
    var list: [String: [String: Any]] = [:]
    for name in names {
      let (crc, bytes) = try CRC32.checksum(ofFile: dir.appendingPathComponent(name))
      list[name] = ["bytes": bytes, "crc32": String(format: "%08x", crc)]
    }
    let json = try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])
    try writeAtomically(String(decoding: json, as: UTF8.self) + "\n", to: dir.appendingPathComponent(Self.checksumFile))
  }

  /// Checks every file `checksums.json` lists: present, of its size (else "truncated") and of
  /// its CRC-32 (else "corrupt"). Checkpoints written before checksums existed pass unverified.
  /// - Throws: `TrainingError.resume` naming the checkpoint and the damaged file.
  func verify(_ name: String) throws {
    let dir = path(name)
    func damaged(_ problem: String) -> TrainingError { .resume(path: dir.path, "the checkpoint is damaged: \(problem)") }
    guard FileManager.default.fileExists(atPath: dir.path) else { throw damaged("the folder is missing") }
    let listURL = dir.appendingPathComponent(Self.checksumFile)
    guard FileManager.default.fileExists(atPath: listURL.path) else { return }
    guard let list = try? JSONSerialization.jsonObject(with: Data(contentsOf: listURL)) as? [String: [String: Any]] else {
      throw damaged("\(Self.checksumFile) is unreadable")
    }
    for (file, entry) in list.sorted(by: { $0.key < $1.key }) {
      guard let bytes = entry["bytes"] as? Int, let crc = (entry["crc32"] as? String).flatMap({ UInt32($0, radix: 16) }) else {
        throw damaged("\(Self.checksumFile) has a bad entry for \(file)")
      }
      let url = dir.appendingPathComponent(file)
      guard let (actualCRC, actualBytes) = try? CRC32.checksum(ofFile: url) else { throw damaged("\(file) is missing or unreadable") }
      guard actualBytes == bytes else {
        throw damaged("\(file) has \(actualBytes) bytes, \(bytes) were written (\(actualBytes < bytes ? "truncated" : "extended"))")
      }
      guard actualCRC == crc else { throw damaged("\(file) fails its CRC-32 check (corrupt)") }
    }
  }

  /// The newest checkpoint that verifies: the one `last` names, then the other `step-*` folders
  /// newest first. Each damaged one is reported through `warn`.
  func lastGood(warn: (String) -> Void) -> String? {
    let steps = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
      .filter { $0.hasPrefix("step-") }.sorted(by: >)
    var candidates = steps
    if let last { candidates = [last] + steps.filter { $0 != last } }
    for name in candidates {
      do {
        try verify(name)
        return name
      } catch {
        warn("WARNING: \(error); trying the previous checkpoint")
      }
    }
    return nil
  }
}
