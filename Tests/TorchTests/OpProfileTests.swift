import Torch
import XCTest

final class OpProfileTests: XCTestCase {
  /// Forward and backward ops are both seen, each op's self time is within its total, and a
  /// product inside `linear` is the linear's child (self times do not count it twice). A float32
  /// linear on the CPU is rsseg's, with its products on oneDNN (products.cpp) where libtorch
  /// allows it, else libtorch's.
  func testProfileSeesForwardAndBackwardByOpName() throws {
    let x = try Tensor.randn([64, 128]).requiresGrad(true)
    let w = try Tensor.randn([256, 128]).requiresGrad(true)
    let ops = try Torch.profileOps {
      try Functional.linear(x, weight: w).relu().sum().backward()
    }
    let names = Set(ops.map(\.name))
    let (linearName, productName, backwardName) =
      Torch.cpuProductsOnOneDNN ? ("rsseg::linear", "rsseg::onednn_mm", "LinearFunction") : ("aten::linear", "aten::mm", "MmBackward0")
    XCTAssertTrue(names.contains(linearName) && names.contains(productName), "\(names)")
    XCTAssertTrue(names.contains("aten::relu"), "\(names)")
    XCTAssertTrue(names.contains { $0.contains(backwardName) }, "\(names)")
    XCTAssertTrue(names.contains("autograd::engine::evaluate_function: ReluBackward0"), "\(names)")
    for op in ops {
      XCTAssertGreaterThanOrEqual(op.calls, 1)
      XCTAssertLessThanOrEqual(op.selfSeconds, op.totalSeconds + 1e-9, op.name)
    }
    let linear = try XCTUnwrap(ops.first { $0.name == linearName })
    XCTAssertLessThan(linear.selfSeconds, linear.totalSeconds, "the product is linear's child")
    XCTAssertEqual(ops.map(\.selfSeconds), ops.map(\.selfSeconds).sorted(by: >), "largest self time first")
  }

  /// By shapes, the same op on two shapes is two entries named with their input shapes.
  func testProfileByShapesSeparatesInputShapes() throws {
    let ops = try Torch.profileOps(byShapes: true) {
      _ = try Tensor.ones([2, 3]).relu()
      _ = try Tensor.ones([4]).relu()
      _ = try Tensor.ones([4]).relu()
    }
    let relus = ops.filter { $0.name.hasPrefix("aten::relu ") }.map { "\($0.name) ×\($0.calls)" }.sorted()
    XCTAssertEqual(relus, ["aten::relu [2, 3] ×1", "aten::relu [4] ×2"])
  }

  /// One profile at a time on a thread; after an error inside, profiling can start again.
  func testNestedProfilesAreRefusedAndAThrowingBodyStopsTheProfile() throws {
    XCTAssertThrowsError(try Torch.profileOps { _ = try Torch.profileOps {} })
    struct Stop: Error {}
    XCTAssertThrowsError(try Torch.profileOps { throw Stop() })
    XCTAssertNoThrow(try Torch.profileOps { _ = try Tensor.ones([2]) + 1 })
  }
}
