import XCTest
@testable import Torch

final class TensorElementwiseTests: XCTestCase {
  func testAddWithAlphaAndFill() throws {
    let p = try Tensor([1, 2] as [Float])
    let g = try Tensor([10, 20] as [Float])
    XCTAssertEqual(try p.add(g, alpha: 0.5).scalars(as: Float.self), [6, 12])
    try p.add_(g, alpha: -0.25)
    XCTAssertEqual(try p.scalars(as: Float.self), [-1.5, -3])
    try p.fill_(3)
    XCTAssertEqual(try p.scalars(as: Float.self), [3, 3])
    try p.zero_()
    XCTAssertEqual(try p.scalars(as: Float.self), [0, 0])
  }

  func testCloseAndEqual() throws {
    let a = try Tensor([1, 2, .nan] as [Float])
    let b = try Tensor([1, 2.00001, .nan] as [Float])
    XCTAssertEqual(try a.isclose(b).scalars(as: Bool.self), [true, true, false])
    XCTAssertEqual(try a.isclose(b, equalNan: true).scalars(as: Bool.self), [true, true, true])
    XCTAssertFalse(try a.allclose(b))
    XCTAssertTrue(try a.allclose(b, equalNan: true))
    XCTAssertFalse(try a.allclose(b, rtol: 0, atol: 1e-7, equalNan: true))
    let c = try Tensor([1, 2] as [Int64])
    XCTAssertTrue(try c.equal(Tensor([1, 2] as [Int64])))
    XCTAssertFalse(try c.equal(Tensor([1, 3] as [Int64])))
    XCTAssertFalse(try c.equal(Tensor([1, 2, 3] as [Int64])))
  }

  func testBernoulliIsSeededAndBounded() throws {
    Torch.manualSeed(3)
    let first = try Tensor.empty([1000]).bernoulli_(0.25)
    Torch.manualSeed(3)
    let second = try Tensor.empty([1000]).bernoulli_(0.25)
    XCTAssertTrue(try first.equal(second), "same seed, same samples")
    let mean = try first.mean().double()
    XCTAssertEqual(mean, 0.25, accuracy: 0.06)
    XCTAssertEqual(try first.unique().scalars(as: Float.self), [0, 1])
    let certain = try Tensor([0, 1] as [Float]).bernoulli()
    XCTAssertEqual(try certain.scalars(as: Float.self), [0, 1])
  }

  func testLikeCreationAndEye() throws {
    let x = try Tensor.ones([2, 3], dtype: .float64)
    let z = try Tensor.zerosLike(x)
    XCTAssertEqual(z.shape, [2, 3])
    XCTAssertEqual(z.dtype, .float64)
    XCTAssertEqual(try Tensor.onesLike(x, dtype: .int32).dtype, .int32)
    XCTAssertEqual(try Tensor.fullLike(x, 7).scalars(as: Double.self), [7, 7, 7, 7, 7, 7])
    XCTAssertEqual(try Tensor.randnLike(x).shape, [2, 3])
    XCTAssertEqual(try Tensor.eye(2, 3).scalars(as: Float.self), [1, 0, 0, 0, 1, 0])
    XCTAssertEqual(try Tensor.eye(2).scalars(as: Float.self), [1, 0, 0, 1])
  }
}
