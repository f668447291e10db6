import Foundation
import Raster
import Torch
import XCTest

/// `rsseg launch` and data-parallel `rsseg train` over loopback: a two-process run, resume on
/// another number of processes, and a killed rank ending the run with an error, not a hang.
final class LaunchTests: XCTestCase {
  private var folder: URL!
  private var started: [Process] = []

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-launch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try writeDataset(images: 4)
  }

  override func tearDownWithError() throws {
    for p in started where p.isRunning { kill(p.processIdentifier, SIGKILL) }
    for p in started { p.waitUntilExit() }
    try? FileManager.default.removeItem(at: folder)
  }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  /// Prepared-Vaihingen layout: `images` 64×64 training patches, one test patch.
  private func writeDataset(images: Int) throws {
    for (split, count) in [("train", images), ("test", 1)] {
      let imageDir = folder.appendingPathComponent("data/\(split)/images_1024")
      let maskDir = folder.appendingPathComponent("data/\(split)/masks_1024")
      for d in [imageDir, maskDir] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
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
        try GeoTIFFWriter.write(image, to: imageDir.appendingPathComponent("p\(n).tif").path)
        try PNGWriter.write(mask, to: maskDir.appendingPathComponent("p\(n).png").path)
      }
    }
  }

  private func writeConfig(epochs: Int) throws {
    let config = """
      dataset: vaihingen
      data: data
      encoder_dims: [8, 16, 24, 32]
      encoder_depths: [1, 1, 1, 1]
      embed_dim: 32
      epochs: \(epochs)
      batch_size: 1
      crop_size: 64
      lr: 1.0e-3
      workers: 1
      threads: 1
      validate_every: 1000
      progress: false
      """
    try config.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
  }

  /// Starts the built rsseg without waiting; stdout and stderr go to files named after `name`.
  private func start(_ arguments: [String], environment: [String: String] = [:], name: String) throws -> Process {
    let process = Process()
    process.executableURL = Bundle.main.bundleURL.appendingPathComponent("rsseg")
    process.arguments = arguments
    process.currentDirectoryURL = folder
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    for (suffix, set) in [("out", { process.standardOutput = $0 }), ("err", { process.standardError = $0 })] as [(String, (FileHandle) -> Void)] {
      _ = FileManager.default.createFile(atPath: path("\(name).\(suffix)"), contents: nil)
      set(try FileHandle(forWritingTo: folder.appendingPathComponent("\(name).\(suffix)")))
    }
    try process.run()
    started.append(process)
    return process
  }

  private func text(_ name: String) -> String { (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? "" }

  /// Waits for `condition`, failing (not hanging) after `limit` seconds.
  private func waitFor(_ what: String, limit: Double = 240, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(limit)
    while !condition() {
      guard Date() < deadline else { throw TimedOut(description: "waited \(limit) s for \(what)") }
      usleep(100_000)
    }
  }

  private func waitForExit(_ process: Process, _ what: String) throws {
    try waitFor(what) { !process.isRunning }
    process.waitUntilExit()
  }

  func testTwoProcessesTrainThenOneResumes() throws {
    try writeConfig(epochs: 2)
    let launched = try runRSSeg(
      ["launch", "--nproc", "2", "--", "train", "--config", path("tiny.yaml"), "--set", "max_steps=1", "--out", path("run")])
    XCTAssertEqual(launched.status, 0, launched.err)
    // Rank 0 alone reports and logs; the checkpoint counts the batches one process would have done.
    XCTAssertEqual(launched.out.components(separatedBy: "stopped at step 1").count, 2, launched.out)
    XCTAssertEqual(text("run/steps.jsonl").split(separator: "\n").count, 1)
    XCTAssertTrue(launched.err.contains("launch: launched ranks 0..<2 of 2"), launched.err)
    let state = try SafeTensors.read(path("run/checkpoints/step-00000001/training-state.safetensors"))
    XCTAssertEqual(state.metadata["trainer.batch"], "2")
    // 4 images, batch 1: one process does the 2 remaining batches of epoch 1, then 4.
    let resumed = try runRSSeg(["train", "--resume", path("run")])
    XCTAssertEqual(resumed.status, 0, resumed.err)
    XCTAssertTrue(resumed.out.contains("finished 2 epochs, 7 steps"), resumed.out)
  }

  /// A rank killed mid-run: its peer's collective fails with gloo's error and it exits non-zero.
  func testKilledRankMakesItsPeerFail() throws {
    try writeConfig(epochs: 100_000)
    let port = String(try freePort())
    var ranks: [Process] = []
    for rank in 0..<2 {
      let env = ["RANK": "\(rank)", "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port, "RSSEG_DIST_TIMEOUT": "60"]
      ranks.append(try start(["train", "--config", path("tiny.yaml"), "--out", path("run")], environment: env, name: "rank\(rank)"))
    }
    try waitFor("the first training step") { !text("run/steps.jsonl").isEmpty || !ranks[0].isRunning }
    kill(ranks[1].processIdentifier, SIGKILL)
    try waitForExit(ranks[0], "rank 0 to exit after its peer was killed")
    XCTAssertNotEqual(ranks[0].terminationStatus, 0)
    let err = text("rank0.err")
    XCTAssertTrue(err.contains("Connection") || err.contains("peer"), err)
  }

  /// Under the launcher, the killed rank's exit stops the others and names the rank.
  func testLauncherStopsTheOtherRanksWhenOneIsKilled() throws {
    try writeConfig(epochs: 100_000)
    let launcher = try start(["launch", "--nproc", "2", "--", "train", "--config", path("tiny.yaml"), "--out", path("run")], name: "launch")
    try waitFor("the first training step") { !text("run/steps.jsonl").isEmpty || !launcher.isRunning }
    let children = childProcesses(of: launcher.processIdentifier)
    guard let rank1 = children.first(where: { environment(of: $0)["RANK"] == "1" }) else {
      return XCTFail("no rank 1 among \(children)")
    }
    kill(rank1, SIGKILL)
    try waitForExit(launcher, "the launcher to exit after rank 1 was killed")
    XCTAssertEqual(launcher.terminationStatus, 1)
    let err = text("launch.err")
    XCTAssertTrue(err.contains("Error: rank 1 (pid \(rank1)) was killed by signal 9; stopped the other ranks (0)"), err)
    XCTAssertTrue(children.allSatisfy { kill($0, 0) != 0 }, "a rank outlived the launcher")
  }

  func testLaunchChecksItsArguments() throws {
    let noCommand = try runRSSeg(["launch", "--nproc", "2"])
    XCTAssertNotEqual(noCommand.status, 0)
    XCTAssertTrue(noCommand.err.contains("give the command after --"), noCommand.err)
    let noMaster = try runRSSeg(["launch", "--nproc", "2", "--nnodes", "2", "--", "train"])
    XCTAssertTrue(noMaster.err.contains("several machines need --master ADDR:PORT"), noMaster.err)
    let badMaster = try runRSSeg(["launch", "--nproc", "1", "--master", "host", "--", "train"])
    XCTAssertTrue(badMaster.err.contains("--master must be ADDR:PORT"), badMaster.err)
  }

  private struct TimedOut: Error, CustomStringConvertible { let description: String }

  private func childProcesses(of pid: Int32) -> [Int32] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
    return tasks.flatMap { task in
      ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
        .split(separator: " ").compactMap { Int32($0) }
    }
  }

  private func environment(of pid: Int32) -> [String: String] {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
    var env: [String: String] = [:]
    for entry in data.split(separator: 0) {
      let text = String(decoding: entry, as: UTF8.self)
      if let eq = text.firstIndex(of: "=") { env[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
    }
    return env
  }

  private func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard ok else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
