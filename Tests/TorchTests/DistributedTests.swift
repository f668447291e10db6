import Foundation
import XCTest
@testable import Torch

/// c10d process groups over loopback: collectives, failures that surface as errors, gradient
/// buckets, and data-parallel steps equal to one process with the whole batch.
final class DistributedTests: XCTestCase {
  /// Timeout of every group in these tests: a broken test fails, it does not hang CI.
  private let timeout = 30.0

  func testCollectivesCombineEveryRank() throws {
    let port = try freeLoopbackPort()
    let results = runRanks(3) { rank -> [[Float]] in
      let group = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, rank: rank, worldSize: 3, timeout: 30)
      let value = Float(rank + 1)
      let sum = try Tensor([value, 10 * value]), mean = try Tensor([value]), max = try Tensor([value])
      try group.allReduce([sum], .sum)
      try group.allReduce([mean], .mean)
      try group.allReduce([max], .max)
      // Two tensors in one coalesced message (a gradient bucket).
      let a = try Tensor([value, value]), b = try Tensor([2 * value])
      try group.allReduce([a, b], .sum)
      let root = try Tensor([value, -value])
      try group.broadcast(root, from: 2)
      let gathered = try group.allGather(try Tensor([value * value]))
      try group.barrier()
      return [try sum.scalars(), try mean.scalars(), try max.scalars(), try a.scalars(), try b.scalars(),
              try root.scalars(), try gathered.flatMap { try $0.scalars() as [Float] }]
    }
    for result in results {
      let values = try result.get()
      XCTAssertEqual(values[0], [6, 60])
      XCTAssertEqual(values[1], [2])
      XCTAssertEqual(values[2], [3])
      XCTAssertEqual(values[3], [6, 6])
      XCTAssertEqual(values[4], [12])
      XCTAssertEqual(values[5], [3, -3])
      XCTAssertEqual(values[6], [1, 4, 9])
    }
  }

  func testMissingRankTimesOutWithAnError() throws {
    let port = try freeLoopbackPort()
    XCTAssertThrowsError(try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, rank: 0, worldSize: 2, timeout: 1)) {
      XCTAssertTrue("\($0)".contains("127.0.0.1:\(port)"), "\($0)")
    }
  }

  func testPeerThatLeavesMakesTheCollectiveFail() throws {
    let port = try freeLoopbackPort()
    let results = runRanks(2) { rank -> Bool in
      let group = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, rank: rank, worldSize: 2, timeout: 30)
      try group.allReduce([try Tensor([Float(1)])])
      if rank == 1 { return true }  // leaves: its group (and connections) go away
      Thread.sleep(forTimeInterval: 0.5)
      try group.allReduce([try Tensor([Float(1)])])
      return false
    }
    XCTAssertEqual(try results[1].get(), true)
    XCTAssertThrowsError(try results[0].get()) { XCTAssertTrue("\($0)".contains("allReduce") || "\($0)".contains("wait"), "\($0)") }
  }

  func testInvalidArgumentsAreRejectedBeforeConnecting() {
    XCTAssertThrowsError(try ProcessGroup(masterAddress: "127.0.0.1", masterPort: 1234, rank: 2, worldSize: 2))
    XCTAssertThrowsError(try ProcessGroup(masterAddress: "127.0.0.1", masterPort: 0, rank: 0, worldSize: 1))
    XCTAssertThrowsError(try ProcessGroup(backend: .nccl, masterAddress: "127.0.0.1", masterPort: try freeLoopbackPort(), rank: 0, worldSize: 1)) {
      if !DistributedBackend.ncclAvailable { XCTAssertTrue("\($0)".contains("no NCCL"), "\($0)") }
    }
  }

  func testEnvironmentVariables() throws {
    XCTAssertNil(try DistributedEnvironment.from([:]))
    let env = try DistributedEnvironment.from([
      "WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1", "MASTER_ADDR": "10.0.0.2", "MASTER_PORT": "29500",
    ])
    XCTAssertEqual(env, DistributedEnvironment(rank: 3, worldSize: 4, localRank: 1, masterAddress: "10.0.0.2", masterPort: 29500))
    XCTAssertThrowsError(try DistributedEnvironment.from(["WORLD_SIZE": "2", "RANK": "2", "MASTER_ADDR": "h", "MASTER_PORT": "1"])) {
      XCTAssertTrue("\($0)".contains("RANK=2"), "\($0)")
    }
    XCTAssertThrowsError(try DistributedEnvironment.from(["WORLD_SIZE": "2", "RANK": "0", "MASTER_PORT": "1"])) {
      XCTAssertTrue("\($0)".contains("MASTER_ADDR"), "\($0)")
    }
  }

  func testBucketsRunInReverseOrderWithinCapacityAndDtype() throws {
    let tensors = [
      try Tensor.zeros([10]), try Tensor.zeros([10]), try Tensor.zeros([30]), try Tensor.zeros([5], dtype: .float64),
      try Tensor.zeros([4]),
    ]
    // 160 bytes from the back: [4] alone (the float64 next changes dtype), the float64, then 30
    // floats (120 bytes) with one ten (40 bytes), and the last ten, which no longer fits.
    XCTAssertEqual(DataParallel.assignBuckets(tensors, capacity: 160), [[4], [3], [2, 1], [0]])
    XCTAssertEqual(DataParallel.assignBuckets(tensors.filter { $0.dtype == .float32 }, capacity: 1 << 20), [[3, 2, 1, 0]])
  }

  /// Without hooks armed, every bucket starts in `averageGradients()`; a parameter without a
  /// gradient on one rank contributes zeros there.
  func testGradientsAverageWithoutHooksAndWithMissingGradients() throws {
    let port = try freeLoopbackPort()
    let results = runRanks(2) { rank -> [Float] in
      let group = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, rank: rank, worldSize: 2, timeout: 30)
      let a = try Tensor([Float(1), 2]).requiresGrad(true), b = try Tensor([Float(3)]).requiresGrad(true)
      let parallel = try DataParallel(parameters: [a, b], group: group)
      var loss = try a.sum() * Double(rank + 1)
      if rank == 1 { loss = try loss + b.sum() * 4 }
      try loss.backward()
      try parallel.averageGradients()
      XCTAssertEqual(parallel.overlappedBuckets, 0)
      return try a.grad!.scalars() + b.grad!.scalars()
    }
    for result in results { XCTAssertEqual(try result.get(), [1.5, 1.5, 2]) }
  }

  /// A parameter recomputed in two checkpointed calls accumulates its gradient twice in one
  /// backward pass; its first report was not final, so the armed reducer refuses it.
  func testParameterReportedTwiceInOneBackwardIsAnError() throws {
    let port = try freeLoopbackPort()
    let results = runRanks(2) { rank -> String in
      let group = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, rank: rank, worldSize: 2, timeout: 30)
      let weight = try Tensor([Float(2)]).requiresGrad(true)
      let parallel = try DataParallel(parameters: [weight], group: group)
      let x = try Tensor([Float(1)]).requiresGrad(true)
      let scaled = { (inputs: [Tensor]) in [try inputs[0] * weight] }
      try parallel.prepareForBackward()
      let loss = try Torch.checkpoint([x], scaled)[0] + Torch.checkpoint([x], scaled)[0]
      do {
        try loss.sum().backward()
        return "no error"
      } catch {
        return "\(error)"
      }
    }
    for result in results {
      XCTAssertTrue(try result.get().contains("received its gradient twice"), "\(result)")
    }
  }

  /// The equivalence: two ranks × batch B after k AdamW steps hold the weights of one
  /// process × batch 2B (the loss is a per-sample mean, so the mean of the ranks' gradients is
  /// the whole batch's gradient). Here each rank is a thread with its own process group.
  func testTwoRanksEqualOneProcessWithTheDoubleBatch() throws {
    let single = try DataParallelFixture.train(rank: nil, port: 0)
    let port = try freeLoopbackPort()
    let ranks = runRanks(2) { rank in try DataParallelFixture.train(rank: rank, port: port) }
    for result in ranks { try DataParallelFixture.assertClose(try result.get(), single) }
    XCTAssertNotEqual(single, try DataParallelFixture.train(rank: 0, port: 0, alone: true), "half the batch alone must differ")
  }

  /// The same with two real processes: this test bundle runs itself twice as the two ranks
  /// (`testDataParallelWorker`), each writing its final weights to a file.
  func testTwoProcessesEqualOneProcessWithTheDoubleBatch() throws {
    let single = try DataParallelFixture.train(rank: nil, port: 0)
    let port = try freeLoopbackPort()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-dp-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let workers = try (0..<2).map { rank -> Process in
      let process = Process()
      process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
      process.arguments = ["TorchTests.DistributedTests/testDataParallelWorker"]
      process.environment = ProcessInfo.processInfo.environment.merging([
        "RSSEG_DP_WORKER_RANK": "\(rank)", "RSSEG_DP_WORKER_PORT": "\(port)",
        "RSSEG_DP_WORKER_OUT": folder.appendingPathComponent("rank\(rank).txt").path,
      ]) { $1 }
      process.standardOutput = FileHandle.nullDevice
      try process.run()
      return process
    }
    defer { for w in workers where w.isRunning { kill(w.processIdentifier, SIGKILL) } }
    for (rank, worker) in workers.enumerated() {
      worker.waitUntilExit()  // each rank's group times out after 30 s: no hang
      XCTAssertEqual(worker.terminationStatus, 0, "rank \(rank)")
      let text = try String(contentsOf: folder.appendingPathComponent("rank\(rank).txt"), encoding: .utf8)
      try DataParallelFixture.assertClose(text.split(separator: " ").compactMap { Float($0) }, single)
    }
  }

  /// One rank of `testTwoProcessesEqualOneProcessWithTheDoubleBatch`; does nothing when the
  /// test bundle is not started as that rank.
  func testDataParallelWorker() throws {
    let env = ProcessInfo.processInfo.environment
    guard let rank = env["RSSEG_DP_WORKER_RANK"].flatMap(Int.init), let port = env["RSSEG_DP_WORKER_PORT"].flatMap(Int.init),
      let out = env["RSSEG_DP_WORKER_OUT"]
    else { return }
    let weights = try DataParallelFixture.train(rank: rank, port: port)
    try weights.map { "\($0)" }.joined(separator: " ").write(toFile: out, atomically: true, encoding: .utf8)
  }
}

/// A linear model trained with AdamW on 8 samples, alone or as one of two data-parallel ranks
/// taking 4 samples each.
enum DataParallelFixture {
  static let steps = 4

  /// Final weight and bias. `rank` nil: one process with all 8 samples; `alone`: rank's 4 samples
  /// without a group.
  static func train(rank: Int?, port: Int, alone: Bool = false) throws -> [Float] {
    let inputs: [Float] = (0..<32).map { sin(Float($0)) }  // 8 samples × 4 features
    let targets: [Float] = (0..<24).map { cos(Float($0) * 0.7) }  // 8 samples × 3 outputs
    let rows = rank.map { $0 * 4..<$0 * 4 + 4 } ?? 0..<8
    // Rank 1 starts from other weights: the broadcast from rank 0 must replace them.
    let shift: Float = rank == 1 ? 0.5 : 0
    let weight = try Tensor((0..<12).map { Float($0) * 0.1 - 0.6 + shift }, shape: [3, 4]).requiresGrad(true)
    let bias = try Tensor([0.1, -0.2, 0.3].map { Float($0) + shift }).requiresGrad(true)
    let optimizer = try AdamW([weight, bias], lr: 0.05, weightDecay: 0.01)
    var parallel: DataParallel?
    if let rank, !alone {
      let group = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, rank: rank, worldSize: 2, timeout: 30)
      // 40 bytes per bucket: the bias (12 bytes) and the weight (48 bytes) travel in two buckets.
      parallel = try DataParallel(parameters: [weight, bias], group: group, bucketMegabytes: 40.5 / 1_048_576)
      guard parallel?.bucketCount == 2 else { throw TorchError.invalidArgument("expected 2 buckets") }
      try parallel!.broadcastFromRoot([weight, bias])
    }
    let x = try Tensor(Array(inputs[rows.lowerBound * 4..<rows.upperBound * 4]), shape: [rows.count, 4])
    let y = try Tensor(Array(targets[rows.lowerBound * 3..<rows.upperBound * 3]), shape: [rows.count, 3])
    for _ in 0..<steps {
      try optimizer.zeroGrad()
      try parallel?.prepareForBackward()
      try (Functional.linear(x, weight: weight, bias: bias) - y).square().mean().backward()
      // Both buckets started from the autograd hooks, during backward.
      if let parallel, parallel.overlappedBuckets != 2 { throw TorchError.invalidArgument("buckets did not overlap backward") }
      try parallel?.averageGradients()
      try optimizer.step()
    }
    return try weight.scalars() + bias.scalars()
  }

  static func assertClose(_ a: [Float], _ b: [Float], file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5, file: file, line: line) }
  }
}
