import XCTest
@testable import Torch

final class TensorReductionTests: XCTestCase {
  /// [[1, 2, 3], [4, 5, 6]]
  func matrix() throws -> Tensor { try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3]) }

  func testSumMeanProd() throws {
    let x = try matrix()
    XCTAssertEqual(try x.sum().float(), 21)
    XCTAssertEqual(try x.sum(dim: 0).scalars(as: Float.self), [5, 7, 9])
    XCTAssertEqual(try x.sum(dim: -1, keepDim: true).shape, [2, 1])
    XCTAssertEqual(try x.sum(dims: [0, 1], keepDim: true).shape, [1, 1])
    XCTAssertEqual(try x.sum(dtype: .float64).dtype, .float64)
    XCTAssertEqual(try x.mean(dim: 1).scalars(as: Float.self), [2, 5])
    XCTAssertEqual(try x.mean().float(), 3.5)
    XCTAssertEqual(try x.prod().float(), 720)
    XCTAssertEqual(try x.prod(dim: 1).scalars(as: Float.self), [6, 120])
    XCTAssertEqual(try x.prod(dims: [0, 1], keepDim: true).shape, [1, 1])
    XCTAssertEqual(try x.prod(dims: [1, 0]).float(), 720)
    let mask = try Tensor([true, false, true] as [Bool])
    XCTAssertEqual(try mask.sum().dtype, .int64, "sum of bool promotes to int64 as in PyTorch")
    XCTAssertEqual(try mask.sum().int(), 2)
    let nan = try Tensor([1, .nan, 2] as [Float])
    XCTAssertEqual(try nan.nansum().float(), 3)
  }

  func testExtremaAndArg() throws {
    let x = try Tensor([3, 7, 1, 9, 2, 8] as [Float], shape: [2, 3])
    XCTAssertEqual(try x.amax().float(), 9)
    XCTAssertEqual(try x.amin(dim: 1).scalars(as: Float.self), [1, 2])
    XCTAssertEqual(try x.max().float(), 9)
    let (values, indices) = try x.max(dim: 1)
    XCTAssertEqual(try values.scalars(as: Float.self), [7, 9])
    XCTAssertEqual(try indices.scalars(as: Int64.self), [1, 0])
    XCTAssertEqual(indices.dtype, .int64)
    let (minValues, minIndices) = try x.min(dim: 0, keepDim: true)
    XCTAssertEqual(minValues.shape, [1, 3])
    XCTAssertEqual(try minValues.scalars(as: Float.self), [3, 2, 1])
    XCTAssertEqual(try minIndices.scalars(as: Int64.self), [0, 1, 0])
    XCTAssertEqual(try x.argmax().int(), 3)
    XCTAssertEqual(try x.argmin(dim: 1).scalars(as: Int64.self), [2, 1])
    XCTAssertEqual(try x.argmax(dim: 0, keepDim: true).shape, [1, 3])
  }

  func testLogsumexpStdVarNorm() throws {
    let x = try matrix()
    let lse = try x.logsumexp(dim: 1).scalars(as: Float.self)
    XCTAssertEqual(lse[0], Foundation.log(Foundation.exp(1) + Foundation.exp(2) + Foundation.exp(3)), accuracy: 1e-5)
    XCTAssertEqual(try x.logsumexp(dims: []).shape, [], "empty dims reduce every dimension")
    // Row [1, 2, 3]: unbiased var 1, population var 2/3.
    XCTAssertEqual(try x.var(dim: 1).scalars(as: Float.self), [1, 1])
    XCTAssertEqual(try x.var(dim: 1, correction: 0).scalars(as: Float.self)[0], 2.0 / 3.0, accuracy: 1e-6)
    XCTAssertEqual(try x.std().float(), Float(3.5).squareRoot(), accuracy: 1e-6)
    XCTAssertEqual(try x.std(dims: [0, 1], keepDim: true).shape, [1, 1])
    XCTAssertEqual(try x.norm().float(), Float(91).squareRoot(), accuracy: 1e-5)
    XCTAssertEqual(try x.norm(p: 1, dim: 1).scalars(as: Float.self), [6, 15])
    XCTAssertEqual(try x.norm(p: .infinity).float(), 6)
  }

  func testLogicalReductions() throws {
    let b = try Tensor([true, false, true, true] as [Bool], shape: [2, 2])
    XCTAssertEqual(try b.all().int(), 0)
    XCTAssertEqual(try b.any().int(), 1)
    XCTAssertEqual(try b.all(dim: 1).scalars(as: Bool.self), [false, true])
    XCTAssertEqual(try b.any(dims: [0], keepDim: true).shape, [1, 2])
    let x = try Tensor([0, 1, 0, 2, 3, 0] as [Int64], shape: [2, 3])
    XCTAssertEqual(try x.countNonzero().int(), 3)
    XCTAssertEqual(try x.countNonzero(dim: 0).scalars(as: Int64.self), [1, 2, 0])
  }

  func testCumulative() throws {
    let x = try Tensor([1, 2, 3, 4] as [Int64])
    XCTAssertEqual(try x.cumsum(dim: 0).scalars(as: Int64.self), [1, 3, 6, 10])
    XCTAssertEqual(try x.cumprod(dim: 0).scalars(as: Int64.self), [1, 2, 6, 24])
    XCTAssertEqual(try x.cumsum(dim: 0, dtype: .float32).dtype, .float32)
  }

  func testClampLerpAddcmulAddcdiv() throws {
    let x = try Tensor([-2, -0.5, 0.5, 2] as [Float])
    XCTAssertEqual(try x.clamp(min: -1, max: 1).scalars(as: Float.self), [-1, -0.5, 0.5, 1])
    XCTAssertEqual(try x.clamp(min: 0).scalars(as: Float.self), [0, 0, 0.5, 2])
    XCTAssertEqual(try x.clamp(max: 0).scalars(as: Float.self), [-2, -0.5, 0, 0])
    let lo = try Tensor([0, 0, 1, 1] as [Float])
    XCTAssertEqual(try x.clamp(min: lo, max: nil).scalars(as: Float.self), [0, 0, 1, 2])
    let y = try x.clone()
    try y.clamp_(min: -1, max: 1)
    XCTAssertEqual(try y.scalars(as: Float.self), [-1, -0.5, 0.5, 1])

    let a = try Tensor([0, 10] as [Float])
    let b = try Tensor([10, 20] as [Float])
    XCTAssertEqual(try a.lerp(b, weight: 0.25).scalars(as: Float.self), [2.5, 12.5])
    XCTAssertEqual(try a.lerp(b, weight: Tensor([0, 1] as [Float])).scalars(as: Float.self), [0, 20])
    XCTAssertEqual(try a.addcmul(b, b, value: 0.5).scalars(as: Float.self), [50, 210])
    XCTAssertEqual(try a.addcdiv(b, Tensor([2, 4] as [Float]), value: 2).scalars(as: Float.self), [10, 20])
    let m = try a.clone()
    try m.addcmul_(b, b).lerp_(a, weight: 0.5).addcdiv_(b, b, value: -1)
    XCTAssertEqual(try m.scalars(as: Float.self), [49, 209])
  }

  func testReductionErrorsAreCatchable() throws {
    let x = try matrix()
    XCTAssertThrowsError(try x.sum(dim: 5)) { error in
      guard case TorchError.libtorch(let op, let message) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(op, "sum")
      XCTAssertTrue(message.contains("out of range"), message)
    }
    XCTAssertThrowsError(try Tensor([1, 2] as [Int64]).mean())
  }
}
