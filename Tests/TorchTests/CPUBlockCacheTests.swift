import XCTest
@testable import Torch

final class CPUBlockCacheTests: XCTestCase {
  private func address(_ t: Tensor) throws -> UInt {
    try t.withUnsafeRawPointer { UInt(bitPattern: $0) }
  }

  override func tearDown() { try? Torch.cacheCPUBlocks(limitBytes: 0) }

  /// Large freed blocks are reused for the next tensor that fits; small ones are never kept; a
  /// zero limit keeps nothing.
  func testFreedLargeBlocksAreReused() throws {
    try Torch.cacheCPUBlocks(limitBytes: 16 << 20)
    var first: UInt = 0
    do {
      let a = try Tensor.ones([1 << 20])  // 4 MB
      first = try address(a)
      XCTAssertEqual(Torch.cachedCPUBytes, 0)
    }
    XCTAssertEqual(Torch.cachedCPUBytes, 4 << 20)
    let b = try Tensor.zeros([(1 << 20) - 1000])  // fits, and too little is left over to split off
    XCTAssertEqual(try address(b), first, "the freed block is handed out again")
    XCTAssertEqual(Torch.cachedCPUBytes, 0)
    XCTAssertEqual(try b.sum().double(), 0, "a reused block holds what the new tensor says")

    let cached = Torch.cachedCPUBytes
    do { _ = try Tensor.ones([64]) }
    XCTAssertEqual(Torch.cachedCPUBytes, cached, "small blocks are not kept")

    try Torch.cacheCPUBlocks(limitBytes: 0)
    XCTAssertEqual(Torch.cachedCPUBytes, 0, "a zero limit hands back what was kept")
    do { _ = try Tensor.ones([1 << 20]) }
    XCTAssertEqual(Torch.cachedCPUBytes, 0)
    XCTAssertThrowsError(try Torch.cacheCPUBlocks(limitBytes: -1))
  }

  /// A free block serves smaller requests by splitting, and the pieces merge again when freed.
  func testBlocksSplitAndMerge() throws {
    try Torch.cacheCPUBlocks(limitBytes: 64 << 20)
    var first: UInt = 0
    do { first = try address(Tensor.ones([4 << 20])) }  // 16 MB, then free
    XCTAssertGreaterThanOrEqual(Torch.cachedCPUBytes, 16 << 20)
    do {
      let a = try Tensor.ones([2 << 20]), b = try Tensor.ones([2 << 20])  // 8 MB each
      XCTAssertEqual(try address(a), first)
      XCTAssertEqual(try address(b), first + (8 << 20), "the second half of the same block")
    }
    let whole = try Tensor.ones([4 << 20])
    XCTAssertEqual(try address(whole), first, "the halves merged back into one block")
  }

  /// Free memory is kept up to max(limit, peak live − live): after a peak it may be as much as
  /// what was freed since, never more.
  func testKeepsNoMoreThanThePeakAllows() throws {
    try Torch.cacheCPUBlocks(limitBytes: 2 << 20)
    for round in 0..<3 {
      var tensors = try (0..<6).map { try Tensor.ones([(1 + $0) << 18]) }  // 1…6 MB
      let stats = Torch.cpuCacheStatistics
      XCTAssertGreaterThanOrEqual(stats.peakLiveBytes, stats.liveBytes)
      tensors.removeAll()
      let after = Torch.cpuCacheStatistics
      XCTAssertLessThanOrEqual(
        after.cachedBytes, Swift.max(2 << 20, after.peakLiveBytes - after.liveBytes), "round \(round)")
      XCTAssertGreaterThanOrEqual(after.cachedBytes, 21 << 20, "round \(round): what was freed is kept for the next round")
    }
  }

  /// Beyond what the peak allows, a free block inside a segment still partly in use gives its
  /// pages back (they are no longer resident) yet stays mapped and is handed out again.
  func testFreeBlocksInPartlyUsedSegmentsGiveTheirPagesBack() throws {
    try Torch.cacheCPUBlocks(limitBytes: 1 << 20)
    var first: UInt = 0
    do { first = try address(Tensor.ones([4 << 20])) }  // one 16 MB segment, freed and kept
    let kept: Tensor
    do {
      let half = try Tensor.ones([2 << 20])
      kept = try Tensor.ones([2 << 20])
      XCTAssertEqual(try address(half), first)
    }
    XCTAssertEqual(Torch.cachedCPUBytes, 8 << 20, "the freed half is kept: the peak allows it")
    let pages = (UInt(first) + 4095) / 4096 * 4096
    XCTAssertEqual(try residentPages(at: pages, bytes: 4 << 20), 1024)
    let larger = try Tensor.ones([3 << 20])  // 12 MB: a new segment, past the peak
    XCTAssertEqual(Torch.cachedCPUBytes, 0, "nothing free is left resident beyond the limit")
    XCTAssertEqual(try residentPages(at: pages, bytes: 4 << 20), 0, "the freed half's pages went back")
    let again = try Tensor.zeros([2 << 20])
    XCTAssertEqual(try address(again), first, "still mapped: handed out again")
    XCTAssertEqual(try again.sum().double(), 0)
    XCTAssertEqual(try kept.sum().double(), Double(2 << 20), "the live half kept its values")
    _ = larger
  }

  /// How many of the pages from `address` are resident (mincore).
  private func residentPages(at address: UInt, bytes: Int) throws -> Int {
    var flags = [UInt8](repeating: 0, count: bytes / 4096)
    let status = flags.withUnsafeMutableBufferPointer { mincore(UnsafeMutableRawPointer(bitPattern: address), bytes, $0.baseAddress) }
    XCTAssertEqual(status, 0, "mincore")
    return flags.filter { $0 & 1 != 0 }.count
  }

  /// Model-like work gives the same numbers with and without the cache.
  func testResultsDoNotDependOnTheCache() throws {
    func work() throws -> [Float] {
      Torch.manualSeed(3)
      let x = try Tensor.randn([4, 64, 64, 64]).requiresGrad(true)
      let y = try (Functional.conv2d(x, weight: Tensor.ones([8, 64, 3, 3]) * 0.01, padding: 1).relu() * 2).sum()
      try y.backward()
      return try [y.float()] + x.grad!.sum(dims: [1, 2, 3]).scalars(as: Float.self)
    }
    let plain = try work()
    try Torch.cacheCPUBlocks(limitBytes: 64 << 20)
    XCTAssertEqual(try work(), plain)
    XCTAssertEqual(try work(), plain)
    XCTAssertGreaterThan(Torch.cachedCPUBytes, 0)
  }
}
