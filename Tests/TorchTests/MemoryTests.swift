import Foundation
import XCTest
@testable import Torch

final class MemoryTests: XCTestCase {
  /// Resident set size in bytes, from /proc/self/statm (Linux).
  func residentBytes() throws -> Int {
    let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
    let fields = statm.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else {
      throw TorchError.invalidArgument("unreadable /proc/self/statm: \(statm)")
    }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
  }

  /// Runs `iterations` of a loop of eleven tensor ops on 1 KiB tensors, through the single-result,
  /// list-result and autograd paths of the shim.
  func churn(_ iterations: Int, _ x: Tensor, _ w: Tensor) throws {
    for _ in 0..<iterations {
      let y = try (x * w + 1).relu()  // 3 ops
      let z = try y.sum(dim: 0).mean()  // 2 ops
      let v = try y[.all, 1..<4].transpose(0, 1).contiguous()  // 3 ops
      _ = try v.chunk(2)  // 1 op returning a list
      _ = try Torch.grad(of: z, withRespectTo: w, retainGraph: true)  // 1 op returning a list
      try z.backward()  // 1 op
    }
    try w.setGrad(nil)
  }

  func testRSSStaysFlatOver100kOps() throws {
    guard FileManager.default.fileExists(atPath: "/proc/self/statm") else {
      throw XCTSkip("needs /proc/self/statm")
    }
    let x = try Tensor.randn([16, 16])
    let w = try Tensor.randn([16, 16]).requiresGrad(true)
    try churn(2_000, x, w)  // warm-up: allocator caches, lazy initialisation
    let before = try residentBytes()
    try churn(10_000, x, w)  // 110k ops
    let after = try residentBytes()
    // A leak of one 1 KiB tensor per op would add ~100 MB; allow 8 MB of allocator noise.
    XCTAssertLessThan(after - before, 8 << 20, "RSS grew from \(before >> 20) MiB to \(after >> 20) MiB")
  }

  func testLastReferenceReleasesStorageImmediately() throws {
    guard FileManager.default.fileExists(atPath: "/proc/self/statm") else {
      throw XCTSkip("needs /proc/self/statm")
    }
    // Where an earlier test in this process enabled `Torch.cacheCPUBlocks`, the 64 MiB may come
    // from (and go back to) memory the cache already holds resident: then the cache's live bytes,
    // not the process's RSS, show the storage taken and released.
    let live = { Torch.cpuCacheStatistics.liveBytes }
    let (before, liveBefore) = (try residentBytes(), live())
    var (peak, livePeak) = (0, 0)
    do {
      let big = try Tensor.ones([16 << 20])  // 64 MiB, written so the pages are resident
      let view = try big[.stride(0..<(16 << 20), by: 2)]  // a view keeps the storage alive
      (peak, livePeak) = (try residentBytes(), live())
      XCTAssertEqual(try view[0].float(), 1)
    }
    let (after, liveAfter) = (try residentBytes(), live())
    XCTAssertTrue(
      peak - before > 48 << 20 || livePeak - liveBefore >= 64 << 20,
      "the tensor was resident (RSS +\((peak - before) >> 20) MiB, cache live +\((livePeak - liveBefore) >> 20) MiB)")
    // Measured as the drop from the peak, so that libtorch's lazy initialisation (when this test
    // runs first) does not count as a leak.
    XCTAssertTrue(
      peak - after > 56 << 20 || livePeak - liveAfter >= 64 << 20,
      "storage is released when the last reference (a view) goes (RSS −\((peak - after) >> 20) MiB, "
        + "cache live −\((livePeak - liveAfter) >> 20) MiB)")
  }
}
