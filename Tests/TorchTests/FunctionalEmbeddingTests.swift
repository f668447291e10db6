import XCTest
@testable import Torch

final class FunctionalEmbeddingTests: XCTestCase {
  func testOneHotEmbeddingNormalizeCosine() throws {
    let hot = try Functional.oneHot(try Tensor([0, 2] as [Int64]), numClasses: 3)
    XCTAssertEqual(hot.dtype, .int64)
    XCTAssertEqual(try hot.scalars(as: Int64.self), [1, 0, 0, 0, 0, 1])
    XCTAssertEqual(try Functional.oneHot(try Tensor([1, 3] as [Int64])).shape, [2, 4])

    let weight = try Tensor((0..<6).map(Float.init), shape: [3, 2])
    let e = try Functional.embedding(try Tensor([2, 0] as [Int64]), weight: weight)
    XCTAssertEqual(e.shape, [2, 2])
    try assertClose(e, [4, 5, 0, 1])
    XCTAssertThrowsError(try Functional.embedding(try Tensor([3] as [Int64]), weight: weight))

    let n = try Functional.normalize(try Tensor([3, 4, 0, 0] as [Float], shape: [2, 2]), dim: 1)
    try assertClose(n, [0.6, 0.8, 0, 0])
    let l1 = try Functional.normalize(try Tensor([1, 3] as [Float], shape: [1, 2]), p: 1, dim: 1)
    try assertClose(l1, [0.25, 0.75])

    let c = try Functional.cosineSimilarity(try Tensor([1, 0, 0, 2] as [Float], shape: [2, 2]), try Tensor([1, 1] as [Float], shape: [1, 2]))
    try assertClose(c, [1 / Float(2).squareRoot(), 1 / Float(2).squareRoot()])
  }
}
