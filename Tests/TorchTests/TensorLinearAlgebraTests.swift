import XCTest
@testable import Torch

final class TensorLinearAlgebraTests: XCTestCase {
  let a: [Double] = [1, 2, 3, 4, 5, 6]  // [[1, 2, 3], [4, 5, 6]]
  let b: [Double] = [1, 0, 0, 1, 1, 1]  // [[1, 0], [0, 1], [1, 1]]

  func testMatrixProducts() throws {
    let x = try Tensor(a, shape: [2, 3])
    let y = try Tensor(b, shape: [3, 2])
    let expected: [Double] = [4, 5, 10, 11]
    XCTAssertEqual(try x.matmul(y).scalars(as: Double.self), expected)
    XCTAssertEqual(try x.mm(y).scalars(as: Double.self), expected)
    let bx = try x.unsqueeze(0).expand([3, 2, 3])
    let by = try y.unsqueeze(0).expand([3, 3, 2])
    let batched = try bx.bmm(by)
    XCTAssertEqual(batched.shape, [3, 2, 2])
    XCTAssertEqual(try batched[2].scalars(as: Double.self), expected)
    XCTAssertEqual(try bx.matmul(y).shape, [3, 2, 2], "matmul broadcasts the batch")
    let v = try Tensor([1, 1, 1] as [Double])
    XCTAssertEqual(try x.matmul(v).scalars(as: Double.self), [6, 15])
    XCTAssertEqual(try v.dot(v).double(), 3)
    XCTAssertEqual(try Tensor([1, 2] as [Double]).outer(v).scalars(as: Double.self), [1, 1, 1, 2, 2, 2])
  }

  func testAddProducts() throws {
    let x = try Tensor(a, shape: [2, 3])
    let y = try Tensor(b, shape: [3, 2])
    let bias = try Tensor([1, -1] as [Double])
    XCTAssertEqual(try bias.addmm(x, y).scalars(as: Double.self), [5, 4, 11, 10])
    XCTAssertEqual(try bias.addmm(x, y, beta: 0, alpha: 2).scalars(as: Double.self), [8, 10, 20, 22])
    let bx = try x.unsqueeze(0).repeat([2, 1, 1])
    let by = try y.unsqueeze(0).repeat([2, 1, 1])
    let out = try Tensor.zeros([2, 2, 2], dtype: .float64).baddbmm(bx, by, beta: 1, alpha: 0.5)
    XCTAssertEqual(try out[1].scalars(as: Double.self), [2, 2.5, 5, 5.5])
    XCTAssertEqual(try Tensor.zeros([2, 2], dtype: .float64).addbmm(bx, by).scalars(as: Double.self), [8, 10, 20, 22])
  }

  func testEinsum() throws {
    let x = try Tensor(a, shape: [2, 3])
    let y = try Tensor(b, shape: [3, 2])
    XCTAssertEqual(try Tensor.einsum("ij,jk->ik", x, y).scalars(as: Double.self), [4, 5, 10, 11])
    XCTAssertEqual(try Tensor.einsum("ij->ji", x).shape, [3, 2])
    XCTAssertEqual(try Tensor.einsum("ij->", x).double(), 21)
    XCTAssertEqual(try Tensor.einsum("ij,ij->i", [x, x]).scalars(as: Double.self), [14, 77])
    // Attention scores: q [b, h, q, d] · k [b, h, k, d] → [b, h, q, k].
    let q = try Tensor.randn([2, 3, 4, 5], dtype: .float64)
    let k = try Tensor.randn([2, 3, 6, 5], dtype: .float64)
    let scores = try Tensor.einsum("bhqd,bhkd->bhqk", q, k)
    let reference = try q.matmul(k.transpose(-2, -1))
    XCTAssertEqual(scores.shape, [2, 3, 4, 6])
    XCTAssertLessThan(try (scores - reference).abs().max().double(), 1e-12)
  }

  func testShapeMismatchThrowsLibtorchMessage() throws {
    let x = try Tensor(a, shape: [2, 3])
    XCTAssertThrowsError(try x.matmul(x)) { error in
      guard case TorchError.libtorch(let op, let message) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(op, "matmul")
      XCTAssertTrue(message.contains("cannot be multiplied"), message)
    }
    XCTAssertThrowsError(try x.bmm(x))
    XCTAssertThrowsError(try Tensor.einsum("ij,jk->ik", x, x))
    XCTAssertThrowsError(try Tensor.einsum("ij->k", x))
  }
}
