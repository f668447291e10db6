import XCTest
@testable import Torch

final class CPUBlockCacheTests: XCTestCase {
  private func address(_ t: Tensor) throws -> UInt {
    try t.withUnsafeRawPointer { UInt(bitPattern: $0) }
  }

  /// Large freed blocks are reused for the next tensor of the same size class, within the
  /// limit; small ones are never kept; a zero limit keeps nothing.
  func testFreedLargeBlocksAreReusedWithinTheLimit() throws {
    try Torch.cacheCPUBlocks(limitBytes: 16 << 20)
    defer { try? Torch.cacheCPUBlocks(limitBytes: 0) }
    var first: UInt = 0
    do {
      let a = try Tensor.ones([1 << 20])  // 4 MB
      first = try address(a)
      XCTAssertEqual(Torch.cachedCPUBytes, 0)
    }
    XCTAssertEqual(Torch.cachedCPUBytes, 4 << 20)
    let b = try Tensor.zeros([(1 << 20) - 1000])  // same size class
    XCTAssertEqual(try address(b), first, "the freed block is handed out again")
    XCTAssertEqual(Torch.cachedCPUBytes, 0)
    XCTAssertEqual(try b.sum().double(), 0, "a reused block holds what the new tensor says")

    do { _ = try Tensor.ones([64]) }
    XCTAssertEqual(Torch.cachedCPUBytes, 0, "small blocks are not kept")
    do { _ = try Tensor.ones([8 << 20]) }  // 32 MB > 16 MB limit
    XCTAssertEqual(Torch.cachedCPUBytes, 0, "a block larger than the limit is not kept")

    try Torch.cacheCPUBlocks(limitBytes: 0)
    do { _ = try Tensor.ones([1 << 20]) }
    XCTAssertEqual(Torch.cachedCPUBytes, 0)
    XCTAssertThrowsError(try Torch.cacheCPUBlocks(limitBytes: -1))
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
    defer { try? Torch.cacheCPUBlocks(limitBytes: 0) }
    XCTAssertEqual(try work(), plain)
    XCTAssertEqual(try work(), plain)
    XCTAssertGreaterThan(Torch.cachedCPUBytes, 0)
  }
}
