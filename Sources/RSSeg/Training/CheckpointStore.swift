import Foundation
import Torch

/// The checkpoints of a run folder: `checkpoints/step-<N>/` each holding `model.safetensors`
/// (the task's model file) and `training-state.safetensors` (optimiser, scheduler and counters,
/// and as `network.*` any network state the model file leaves out, e.g. training-only heads).
/// A checkpoint is written under a temporary name and renamed into place, then the text file
/// `checkpoints/last` names it (replaced atomically), so an interrupted write never shows.
struct CheckpointStore {
  let folder: URL
  static let modelFile = "model.safetensors"
  static let stateFile = "training-state.safetensors"

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
    try? FileManager.default.removeItem(at: final)
    do { try FileManager.default.moveItem(at: partial, to: final) } catch {
      throw DataError.output(path: final.path, problem: "cannot move the checkpoint into place: \(error.localizedDescription)")
    }
    try writeAtomically(name + "\n", to: folder.appendingPathComponent("last"))
  }

  /// Removes checkpoint folders not in `keep`.
  func prune(keeping keep: Set<String>) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    for name in names where name.hasPrefix("step-") && !keep.contains(name) {
      try? FileManager.default.removeItem(at: path(name))
    }
  }
}
