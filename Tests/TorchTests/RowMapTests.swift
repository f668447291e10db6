import XCTest
@testable import Torch

/// `RowMap` and `Tensor.gatherRows` (CTorch ops_rows.cpp): rows copied with zero rows at holes,
/// the gradient by the inverse gather, and maps that are not one-to-one refused.
final class RowMapTests: XCTestCase {
  func testGatherCopiesRowsAndFillsHolesWithZeros() throws {
    let x = try Tensor.arange(0, 12).to(.float32).view([4, 3])
    let map = try RowMap(index: [2, -1, 0, 3], sourceRows: 4)
    XCTAssertEqual(try x.gatherRows(map).scalars(as: Float.self), [6, 7, 8, 0, 0, 0, 0, 1, 2, 9, 10, 11])
    XCTAssertTrue(map.hasHoles)
    XCTAssertTrue(map.dropsRows)  // row 1 goes nowhere
    XCTAssertEqual(try map.inverse.scalars(as: Int64.self), [2, -1, 0, 3])
    // Back: source row 1 was dropped, so it comes back as zeros.
    XCTAssertEqual(try x.gatherRows(map).gatherRows(map.inverted).scalars(as: Float.self), [0, 1, 2, 0, 0, 0, 6, 7, 8, 9, 10, 11])
    // Any element type: bf16 rows and int64 rows.
    XCTAssertEqual(try x.to(.bfloat16).gatherRows(map).to(.float32).scalars(as: Float.self), try x.gatherRows(map).scalars(as: Float.self))
    XCTAssertEqual(try x.to(.int64).gatherRows(map).scalars(as: Int64.self), [6, 7, 8, 0, 0, 0, 0, 1, 2, 9, 10, 11])
  }

  func testGradientIsTheInverseGatherAndDifferentiableAgain() throws {
    Torch.manualSeed(3)
    let map = try RowMap(index: [4, -1, 1, 0, -1, 2], sourceRows: 5)
    let x = try Tensor.randn([5, 7], dtype: .float64).requiresGrad(true)
    let (g, v) = (try Tensor.randn([6, 7], dtype: .float64), try Tensor.randn([5, 7], dtype: .float64))
    // Reference: index_select of x with an appended zero row.
    func reference(_ x: Tensor) throws -> Tensor {
      try Tensor.cat([x, Tensor.zeros([1, 7], dtype: .float64)], dim: 0).indexSelect(dim: 0, index: Tensor([4, 5, 1, 0, 5, 2] as [Int64]))
    }
    // f = Σ g·rows², whose gradient depends on x, and the derivative of Σ v·∇f.
    var results: [[Tensor]] = []
    for rows in [try x.gatherRows(map), try reference(x)] {
      let first = try Torch.grad(outputs: [(rows.square() * g).sum()], inputs: [x], createGraph: true)[0]
      let second = try Torch.grad(outputs: [(first * v).sum()], inputs: [x])[0]
      results.append([first, second])
    }
    XCTAssertEqual(try (results[0][0] - results[1][0]).abs().max().double(), 0)
    XCTAssertEqual(try (results[0][1] - results[1][1]).abs().max().double(), 0)
    XCTAssertGreaterThan(try results[1][1].abs().max().double(), 0)
  }

  func testMapsThatAreNotOneToOneAreRefused() throws {
    XCTAssertThrowsError(try RowMap(index: [0, 0], sourceRows: 2)) { error in
      XCTAssertTrue("\(error)".contains("mapped twice"), "\(error)")
    }
    XCTAssertThrowsError(try RowMap(index: [0, 2], sourceRows: 2)) { error in
      XCTAssertTrue("\(error)".contains("outside"), "\(error)")
    }
    XCTAssertThrowsError(try RowMap(index: [-2], sourceRows: 2))
    // A matrix of another height than the map's source.
    XCTAssertThrowsError(try Tensor.zeros([3, 2]).gatherRows(RowMap(index: [0], sourceRows: 2)))
  }
}
