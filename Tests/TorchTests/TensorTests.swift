import XCTest
@testable import Torch

final class TensorTests: XCTestCase {
  func testRoundTripAndArithmetic() throws {
    let a = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
    XCTAssertEqual(a.shape, [2, 2])
    XCTAssertEqual(a.dtype, .float32)
    let b = try a * 2 + a
    XCTAssertEqual(try b.scalars(as: Float.self), [3, 6, 9, 12])
    let labels = try Tensor([1, 2] as [Int64])
    XCTAssertEqual(try (labels + 1).dtype, .int64, "integer scalars keep integer dtype")
    XCTAssertEqual(try (labels * 0.5).dtype, .float32, "float scalars promote like Python floats")
  }

  func testShapeErrorIsCatchable() throws {
    let a = try Tensor.zeros([2, 3])
    let b = try Tensor.zeros([4])
    XCTAssertThrowsError(try a + b) { error in
      guard case TorchError.libtorch(let op, let message) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(op, "add")
      XCTAssertTrue(message.contains("must match"), message)
    }
  }
}
