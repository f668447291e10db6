import Foundation
import Raster
import Torch
import XCTest

/// `rsseg train`, `rsseg predict`, `rsseg refer` and `rsseg prepare` killed with SIGKILL at seeded random moments (and, for
/// training, while a checkpoint is being written), then run again until done: the final result
/// is byte for byte that of an uninterrupted run, and no final name ever holds a partial file.
final class KillResumeTests: XCTestCase {
  private var folder: URL!
  /// Seeded moments, so a failure can be replayed.
  private var random = SplitMix64(seed: 0x6B69_6C6C)

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-killresume-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  // MARK: - training

  /// A prepared-Vaihingen layout: three 64×64 training patches and one test patch.
  private func writeDataset() throws {
    for (split, count) in [("train", 3), ("test", 1)] {
      for n in 0..<count {
        var image = RasterBuffer<UInt8>(width: 64, height: 64, bands: 3, filledWith: 0)
        var mask = RasterBuffer<UInt8>(width: 64, height: 64, bands: 1, filledWith: 0)
        for y in 0..<64 {
          for x in 0..<64 {
            let c = ((x / 16) + (y / 16) + n) % 5
            mask[0, y, x] = UInt8(c)
            for b in 0..<3 { image[b, y, x] = UInt8(40 * c + 30 * b) }
          }
        }
        let base = folder.appendingPathComponent("data/\(split)")
        for sub in ["images_1024", "masks_1024"] {
          try FileManager.default.createDirectory(at: base.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try GeoTIFFWriter.write(image, to: base.appendingPathComponent("images_1024/p\(n).tif").path)
        try PNGWriter.write(mask, to: base.appendingPathComponent("masks_1024/p\(n).png").path)
      }
    }
    let config = """
      dataset: vaihingen
      data: data
      encoder_dims: [8, 16, 24, 32]
      encoder_depths: [1, 1, 1, 1]
      embed_dim: 32
      epochs: 4
      batch_size: 1
      crop_size: 64
      lr: 1.0e-3
      workers: 1
      threads: 1
      seed: 11
      keep_best: 2
      progress: false
      """
    try config.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
  }

  /// The tensors of the run's last checkpoint, by name.
  private func finalWeights(_ run: String) throws -> [String: [UInt8]] {
    let last = try String(contentsOfFile: path("\(run)/checkpoints/last"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let file = try SafeTensors.read(path("\(run)/checkpoints/\(last)/model.safetensors"))
    return Dictionary(uniqueKeysWithValues: try file.tensors().map { ($0.0, try $0.1.bytes()) })
  }

  /// Partial checkpoint folders under `run/checkpoints` (present only while one is written).
  private func partialCheckpoints(_ run: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path("\(run)/checkpoints"))) ?? []).filter { $0.hasSuffix(".partial") }
  }

  func testKilledTrainingResumesToTheSameWeights() throws {
    try writeDataset()
    let started = Date()
    let reference = try runRSSeg(["train", "--config", path("tiny.yaml"), "--out", path("reference")])
    XCTAssertEqual(reference.status, 0, reference.err)
    let duration = Date().timeIntervalSince(started)

    // Kills alternate between a seeded random moment of a run and the moment a checkpoint
    // folder is being written; a kill that found a partial checkpoint left behind counts as
    // one inside a write.
    var kills = 0, killsInsideWrites = 0, attempts = 0
    while kills < 6 || killsInsideWrites == 0 {
      attempts += 1
      XCTAssertLessThan(attempts, 30, "no kill landed inside a checkpoint write")
      if attempts >= 30 { break }
      let resuming = FileManager.default.fileExists(atPath: path("run/checkpoints/last"))
      let child = try startRSSeg(resuming ? ["train", "--resume", path("run")] : ["train", "--config", path("tiny.yaml"), "--out", path("run")])
      let ended: (killed: Bool, status: Int32)
      if attempts % 2 == 0 {
        ended = killWhen(child, deadline: duration * 2) { !self.partialCheckpoints("run").isEmpty }
      } else {
        ended = killWhen(child, deadline: Double(random.next() % 1000) / 1000 * duration) { false }
      }
      guard ended.killed else {
        // The run finished before its kill: nothing left to interrupt.
        XCTAssertEqual(ended.status, 0, "an unkilled run failed")
        break
      }
      kills += 1
      if !partialCheckpoints("run").isEmpty { killsInsideWrites += 1 }
    }
    print("training killed \(kills) times, \(killsInsideWrites) inside a checkpoint write, \(attempts) runs")
    XCTAssertGreaterThan(killsInsideWrites, 0)
    // Finish the run (a no-op when the last attempt already did).
    let finish = try runRSSeg(["train", "--resume", path("run")])
    XCTAssertEqual(finish.status, 0, finish.err)
    XCTAssertTrue(finish.out.contains("finished 4 epochs, 12 steps"), finish.out + finish.err)

    let want = try finalWeights("reference"), got = try finalWeights("run")
    XCTAssertEqual(Set(got.keys), Set(want.keys))
    XCTAssertFalse(want.isEmpty)
    for (name, bytes) in want { XCTAssertEqual(got[name], bytes, "\(name) differs after \(kills) kills") }
    XCTAssertEqual(partialCheckpoints("run"), [], "partial checkpoints are cleaned up")
  }

  /// A checkpoint damaged after it was written is reported and the previous one is used.
  func testTruncatedCheckpointFallsBackToThePreviousOne() throws {
    try writeDataset()
    let first = try runRSSeg(["train", "--config", path("tiny.yaml"), "--set", "max_steps=6", "--out", path("run")])
    XCTAssertEqual(first.status, 0, first.err)
    let checkpoints = try FileManager.default.contentsOfDirectory(atPath: path("run/checkpoints")).filter { $0.hasPrefix("step-") }.sorted()
    XCTAssertEqual(checkpoints.last, "step-00000006")
    XCTAssertGreaterThan(checkpoints.count, 1)
    let model = URL(fileURLWithPath: path("run/checkpoints/step-00000006/model.safetensors"))
    let bytes = try Data(contentsOf: model)
    try bytes.prefix(bytes.count / 2).write(to: model)

    let resumed = try runRSSeg(["train", "--resume", path("run"), "--set", "max_steps=7"])
    XCTAssertEqual(resumed.status, 0, resumed.err)
    XCTAssertTrue(resumed.err.contains("step-00000006: the checkpoint is damaged: model.safetensors has"), resumed.err)
    XCTAssertTrue(resumed.err.contains("(truncated)"), resumed.err)
    XCTAssertTrue(resumed.out.contains("resumed"), resumed.out)
    XCTAssertTrue(resumed.out.contains("stopped at step 7"), resumed.out)
  }

  // MARK: - predict

  func testKilledPredictLeavesOnlyCompleteOutputsAndFinishes() throws {
    let tiny = #"{"dims": [8, 16, 24, 32], "depths": [1, 1, 1, 1], "embed_dim": 16, "classes": 6, "layers": 1, "topk_ratio": 0.02, "min_pixels": 16, "has_fisher_loss": true}"#
    try tiny.write(to: folder.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
    let created = try runRSSeg(["init", "--preset", "vaihingen", "--config", path("tiny.json"), "-o", path("m.safetensors")])
    XCTAssertEqual(created.status, 0, created.err)
    let images = (1...3).map { packageRoot.appendingPathComponent("samples/dubai_aerial/data/tile_1/images/image_part_00\($0).jpg").path }
    func arguments(_ out: String) -> [String] {
      ["predict", "--model", path("m.safetensors"), "--tile", "256", "--overlap", "64", "--overlay", "--probabilities", "uint8",
       "--quiet"] + images + ["--out", path(out)]
    }
    // 3 images × (class map, its class-name sidecar, preview, probabilities, overlay).
    try checkKilledRunsFinish("predict", files: 15, arguments)
    let names = try FileManager.default.contentsOfDirectory(atPath: path("reference")).sorted()
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("run")).sorted(), names, "a partial file was left behind")
    // A complete job run again only skips.
    let again = try runRSSeg(arguments("run"))
    XCTAssertEqual(again.status, 0, again.err)
    XCTAssertEqual(again.out.components(separatedBy: "skipped").count - 1, images.count, again.out)
  }

  func testKilledReferLeavesOnlyCompleteOutputsAndFinishes() throws {
    let minilm = ProcessInfo.processInfo.environment["RSSEG_MINILM"] ?? packageRoot.appendingPathComponent(".deps/minilm").path
    let config = #"{"swin": {"embed_dim": 8, "depths": [1, 1, 1, 1], "num_heads": [1, 1, 2, 2], "window_size": 4}, "lang_dim": 384}"#
    try config.write(to: folder.appendingPathComponent("lavt.json"), atomically: true, encoding: .utf8)
    let created = try runRSSeg(["init", "--architecture", "lavt", "--bert", minilm, "--lavt-config", path("lavt.json"), "-o", path("m.safetensors")])
    XCTAssertEqual(created.status, 0, created.err)
    let images = (1...3).map { packageRoot.appendingPathComponent("samples/dubai_aerial/data/tile_2/images/image_part_00\($0).jpg").path }
    func arguments(_ out: String) -> [String] {
      ["refer", "--model", path("m.safetensors"), "--text", "the road", "--text", "the white building", "--tile", "192",
       "--overlap", "64", "--quiet"] + images + ["--out", path(out)]
    }
    // 3 images × (2 sentences × 5 files + summary); the summaries name the input image by path,
    // the same in both runs.
    try checkKilledRunsFinish("refer", files: 33, arguments)
  }

  /// Runs `arguments("reference")` to the end, then `arguments("run")` killed at up to five
  /// seeded random moments, checking after each kill that every file under a final name equals
  /// the reference's, and then once more to the end: both trees must be equal.
  private func checkKilledRunsFinish(_ command: String, files: Int, _ arguments: (String) -> [String]) throws {
    let started = Date()
    let reference = killWhen(try startRSSeg(arguments("reference")), deadline: .infinity) { false }
    XCTAssertEqual(reference.killed ? -1 : reference.status, 0, "the uninterrupted run failed")
    let duration = Date().timeIntervalSince(started)
    let want = try tree(path("reference"))
    XCTAssertEqual(want.count, files)

    var kills = 0
    for attempt in 0..<5 {
      let moment = (0.1 + 0.7 * Double(random.next() % 1000) / 1000) * duration / Double(attempt + 1)
      let ended = killWhen(try startRSSeg(arguments("run")), deadline: moment) { false }
      guard ended.killed else {
        XCTAssertEqual(ended.status, 0, "an unkilled run failed")
        break
      }
      kills += 1
      for (name, data) in try tree(path("run")) { XCTAssertEqual(data, want[name], "\(name) after \(kills) kills") }
    }
    print("\(command) killed \(kills) times")
    XCTAssertGreaterThan(kills, 0)
    let finish = try runRSSeg(arguments("run"))
    XCTAssertEqual(finish.status, 0, finish.err)
    XCTAssertEqual(try tree(path("run")), want)
  }

  // MARK: - prepare

  /// The files under `root` by relative path (hidden partial files left out): file bytes, or a
  /// link's target.
  private func tree(_ root: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [:] }
    for case let relative as String in walker where !(relative as NSString).lastPathComponent.hasPrefix(".") {
      let full = root + "/" + relative
      if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: full) {
        out[relative] = Data(target.utf8)
      } else {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue {
          out[relative] = try Data(contentsOf: URL(fileURLWithPath: full))
        }
      }
    }
    return out
  }

  func testKilledPrepareLeavesOnlyCompleteOutputsAndFinishes() throws {
    // A LoveDA validation split of 2 × 12 images with masks (values 0…7).
    for domain in ["Urban", "Rural"] {
      for n in 0..<12 {
        var image = RasterBuffer<UInt8>(width: 384, height: 384, bands: 3, filledWith: 0)
        var mask = RasterBuffer<UInt8>(width: 384, height: 384, bands: 1, filledWith: 0)
        for y in 0..<384 {
          for x in 0..<384 {
            mask[0, y, x] = UInt8((x / 24 + y / 32 + n) % 8)
            for b in 0..<3 { image[b, y, x] = UInt8(truncatingIfNeeded: x * (b + 1) + y + n) }
          }
        }
        let base = folder.appendingPathComponent("loveda/Val/\(domain)")
        for sub in ["images_png", "masks_png"] {
          try FileManager.default.createDirectory(at: base.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try PNGWriter.write(image, to: base.appendingPathComponent("images_png/\(n).png").path)
        try PNGWriter.write(mask, to: base.appendingPathComponent("masks_png/\(n).png").path)
      }
    }
    func arguments(_ out: String) -> [String] { ["prepare", "loveda", "--src", path("loveda"), "--out", path(out), "--split", "val", "--quiet"] }
    try checkKilledRunsFinish("prepare", files: 48, arguments)
  }

  // MARK: - helpers

  /// A running rsseg, spawned directly so that its end (exit or signal) is observed with waitpid.
  private struct Child {
    let pid: pid_t

    /// Whether it has ended, and how: (killed by a signal, exit status).
    func poll(wait: Bool) -> (killed: Bool, status: Int32)? {
      var status: Int32 = 0
      let r = waitpid(pid, &status, wait ? 0 : WNOHANG)
      guard r == pid else { return nil }
      let signal = status & 0x7F
      return signal != 0 ? (true, signal) : (false, (status >> 8) & 0xFF)
    }
  }

  /// Starts the built rsseg with its output discarded.
  private func startRSSeg(_ arguments: [String]) throws -> Child {
    let binary = Bundle.main.bundleURL.appendingPathComponent("rsseg").path
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, binary, &actions, nil, argv, environ)
    guard status == 0 else { throw NSError(domain: "posix_spawn", code: Int(status)) }
    return Child(pid: pid)
  }

  /// SIGKILLs `child` as soon as `condition` holds or `deadline` seconds have passed, unless it
  /// ends first, and waits for its end. Returns whether the kill ended it, and its exit status.
  private func killWhen(_ child: Child, deadline: Double, _ condition: () -> Bool) -> (killed: Bool, status: Int32) {
    let end = Date().addingTimeInterval(deadline)
    while true {
      if let ended = child.poll(wait: false) { return ended }
      if condition() || Date() >= end {
        kill(child.pid, SIGKILL)
        return child.poll(wait: true) ?? (true, SIGKILL)
      }
      usleep(200)
    }
  }
}

/// A small seeded generator (SplitMix64) for the kill moments.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
