import XCTest
@testable import Torch

final class TensorIndexingTests: XCTestCase {
  /// arange(24) as int64 with shape [2, 3, 4]: x[a, b, c] = 12a + 4b + c.
  func cube() throws -> Tensor { try Tensor.arange(0, 24).reshape([2, 3, 4]) }
  func longs(_ values: [Int64], shape: [Int]? = nil) throws -> Tensor { try Tensor(values, shape: shape) }

  func testBasicIndexing() throws {
    let x = try cube()
    XCTAssertEqual(try x[0].shape, [3, 4])
    XCTAssertEqual(try x[-1, 1].scalars(as: Int64.self), [16, 17, 18, 19])
    XCTAssertEqual(try x[1, 2, 3].int(), 23)
    XCTAssertEqual(try x[1, -1, -4].int(), 20)
    // x[..., 1:3, None, 2]
    let y = try x[.ellipsis, 1..<3, .newAxis, 2]
    XCTAssertEqual(y.shape, [2, 2, 1])
    XCTAssertEqual(try y.scalars(as: Int64.self), [6, 10, 18, 22])
    // x[:, 0:3:2, -1]
    XCTAssertEqual(try x[.all, .stride(0..<3, by: 2), -1].scalars(as: Int64.self), [3, 11, 15, 23])
    // x[::2]
    XCTAssertEqual(try x[.slice(step: 2)].shape, [1, 3, 4])
    // x[0, 1:-1:2] on the last axis
    XCTAssertEqual(try x[0, 0, .slice(1, -1, step: 2)].scalars(as: Int64.self), [1])
    XCTAssertEqual(try x[0, 1...2, 0].scalars(as: Int64.self), [4, 8])
    XCTAssertEqual(try x[0, (-2)..., 0].scalars(as: Int64.self), [4, 8])
    XCTAssertEqual(try x[0, ..<(-1), 0].scalars(as: Int64.self), [0, 4])
    XCTAssertEqual(try x[0, ...(-1), 0].scalars(as: Int64.self), [0, 4, 8])
    XCTAssertEqual(try x[0, 0, (-3)...(-2)].scalars(as: Int64.self), [1, 2])
    XCTAssertEqual(try x[.newAxis, .ellipsis].shape, [1, 2, 3, 4])
    XCTAssertEqual(try x[.ellipsis, 0].shape, [2, 3])
  }

  func testBasicIndexingGivesViews() throws {
    let x = try cube()
    let v = try x[1, 1...]
    XCTAssertEqual(v.storageOffset, 16)
    XCTAssertEqual(v.strides, [4, 1])
    let s = try x[.all, .all, .stride(1..<4, by: 2)]
    XCTAssertEqual(s.strides, [12, 4, 2])
    XCTAssertEqual(s.storageOffset, 1)
    try v.fill_(0)
    XCTAssertEqual(try x.sum().int(), 276 - (16 + 23) * 8 / 2, "writes through a view reach the base")
  }

  func testAdvancedIndexing() throws {
    let x = try cube()
    let mask = try x.gt(20)
    XCTAssertEqual(try x[mask].scalars(as: Int64.self), [21, 22, 23])
    let rows = try x[0, longs([2, 0])]
    XCTAssertEqual(rows.shape, [2, 4])
    XCTAssertEqual(try rows.scalars(as: Int64.self), [8, 9, 10, 11, 0, 1, 2, 3])
    // Advanced indices separated by a slice: their dimension comes first, as in PyTorch.
    let mixed = try x[longs([1, 0]), .all, longs([0, 3])]
    XCTAssertEqual(mixed.shape, [2, 3])
    XCTAssertEqual(try mixed.scalars(as: Int64.self), [12, 16, 20, 3, 7, 11])
    // A row mask on the first dimension.
    let rowMask = try Tensor([false, true] as [Bool])
    XCTAssertEqual(try x[.tensor(rowMask), 0, 0].scalars(as: Int64.self), [12])
    let runtime: [any TensorIndexExpression] = [1, TensorIndex.all, 2]
    XCTAssertEqual(try x.index(runtime).scalars(as: Int64.self), [14, 18, 22])
  }

  func testAssignment() throws {
    let y = try Tensor.zeros([3, 4])
    try y.set(.all, .stride(0..<4, by: 2), to: 1)
    XCTAssertEqual(try y[0].scalars(as: Float.self), [1, 0, 1, 0])
    try y.set(-1, to: Tensor([5, 6, 7, 8] as [Float]))
    XCTAssertEqual(try y[2].scalars(as: Float.self), [5, 6, 7, 8])
    try y.set(y.gt(6), to: -1)
    XCTAssertEqual(try y[2].scalars(as: Float.self), [5, 6, -1, -1])
    try y.set(.ellipsis, 1, to: Tensor([9] as [Float]))  // broadcast into a column
    XCTAssertEqual(try y[.all, 1].scalars(as: Float.self), [9, 9, 9])
    XCTAssertThrowsError(try y.set(0, to: Tensor([1, 2] as [Float])))

    let confusion = try Tensor.zeros([2, 2], dtype: .int64)
    try confusion.indexPut_([longs([0, 0, 1]), longs([1, 1, 0])], Tensor.ones([3], dtype: .int64), accumulate: true)
    XCTAssertEqual(try confusion.scalars(as: Int64.self), [0, 2, 1, 0])
    let rows = try Tensor.zeros([3, 2], dtype: .int64)
    try rows.indexPut_([longs([2]), nil], longs([4, 5]))
    XCTAssertEqual(try rows.scalars(as: Int64.self), [0, 0, 0, 0, 4, 5])
  }

  func testSelectGatherScatter() throws {
    let x = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    XCTAssertEqual(try x.indexSelect(dim: 1, index: longs([2, 0])).scalars(as: Float.self), [3, 1, 6, 4])
    XCTAssertEqual(
      try Tensor.zeros([3]).indexAdd(dim: 0, index: longs([0, 0, 2]), source: Tensor([1, 2, 3] as [Float])).scalars(as: Float.self),
      [3, 0, 3])
    let g = try x.gather(dim: 1, index: longs([2, 2, 1, 0], shape: [2, 2]))
    XCTAssertEqual(try g.scalars(as: Float.self), [3, 3, 5, 4])
    let target = try longs([2, 0])
    let oneHot = try Tensor.zeros([2, 3]).scatter(dim: 1, index: target.unsqueeze(1), value: 1)
    XCTAssertEqual(try oneHot.scalars(as: Float.self), [0, 0, 1, 1, 0, 0])
    let src = try Tensor([10, 20, 30] as [Float])
    XCTAssertEqual(try Tensor.zeros([4]).scatter(dim: 0, index: longs([3, 1, 0]), src: src).scalars(as: Float.self), [30, 20, 0, 10])
    let counts = try Tensor.zeros([3]).scatterAdd(dim: 0, index: longs([0, 2, 0]), src: src)
    XCTAssertEqual(try counts.scalars(as: Float.self), [40, 0, 20])
    let maxes = try Tensor.zeros([2]).scatterReduce(dim: 0, index: longs([0, 0, 1]), src: src, reduce: .amax, includeSelf: false)
    XCTAssertEqual(try maxes.scalars(as: Float.self), [20, 30])
    let inPlace = try Tensor.zeros([3])
    try inPlace.scatter_(dim: 0, index: longs([1]), value: 7).scatterAdd_(dim: 0, index: longs([1, 2]), src: Tensor([1, 1] as [Float]))
    XCTAssertEqual(try inPlace.scalars(as: Float.self), [0, 8, 1])
  }

  func testWhereMasks() throws {
    let x = try Tensor([-1, 2, -3, 4] as [Float])
    let positive = try x.gt(0)
    XCTAssertEqual(try Tensor.where(positive, x, 0).scalars(as: Float.self), [0, 2, 0, 4])
    XCTAssertEqual(try Tensor.where(positive, 1, x).scalars(as: Float.self), [-1, 1, -3, 1])
    XCTAssertEqual(try Tensor.where(positive, x, x.neg()).scalars(as: Float.self), [1, 2, 3, 4])
    XCTAssertEqual(try Tensor.where(positive, 1.0, -1.0).scalars(as: Float.self), [-1, 1, -1, 1])
    XCTAssertEqual(try x.maskedFill(positive, -9).scalars(as: Float.self), [-1, -9, -3, -9])
    XCTAssertEqual(try x.maskedFill(positive, Tensor(scalar: Float(5))).scalars(as: Float.self), [-1, 5, -3, 5])
    XCTAssertEqual(try x.maskedSelect(positive).scalars(as: Float.self), [2, 4])
    let y = try x.clone()
    try y.maskedFill_(positive.logicalNot(), 0)
    XCTAssertEqual(try y.scalars(as: Float.self), [0, 2, 0, 4])
    let nz = try Tensor([0, 1, 1, 0] as [Float], shape: [2, 2]).nonzero()
    XCTAssertEqual(nz.shape, [2, 2])
    XCTAssertEqual(try nz.scalars(as: Int64.self), [0, 1, 1, 0])
  }

  func testSortTopkUnique() throws {
    let x = try Tensor([3, 1, 4, 1, 5, 9] as [Float])
    let (top, topIndex) = try x.topk(2)
    XCTAssertEqual(try top.scalars(as: Float.self), [9, 5])
    XCTAssertEqual(try topIndex.scalars(as: Int64.self), [5, 4])
    XCTAssertEqual(try x.topk(2, largest: false).values.scalars(as: Float.self), [1, 1])
    let (sorted, order) = try x.sort(descending: true)
    XCTAssertEqual(try sorted.scalars(as: Float.self), [9, 5, 4, 3, 1, 1])
    XCTAssertEqual(try order.scalars(as: Int64.self)[0], 5)
    XCTAssertEqual(try x.argsort(stable: true).scalars(as: Int64.self), [1, 3, 0, 2, 4, 5])
    XCTAssertEqual(try x.unique().scalars(as: Float.self), [1, 3, 4, 5, 9])
    let (values, inverse, counts) = try x.uniqueWithInverseAndCounts()
    XCTAssertEqual(try values.scalars(as: Float.self), [1, 3, 4, 5, 9])
    XCTAssertEqual(try inverse.scalars(as: Int64.self), [1, 0, 2, 0, 3, 4])
    XCTAssertEqual(try counts.scalars(as: Int64.self), [2, 1, 1, 1, 1])
  }

  func testBincount() throws {
    // A 2-class confusion matrix the usual way: bincount(n * target + prediction).
    let target = try longs([0, 0, 1, 1, 1])
    let prediction = try longs([0, 1, 1, 1, 0])
    let confusion = try (target * 2 + prediction).bincount(minlength: 4).reshape([2, 2])
    XCTAssertEqual(try confusion.scalars(as: Int64.self), [1, 1, 1, 2])
    let weighted = try longs([0, 2, 2]).bincount(weights: Tensor([0.5, 1, 2] as [Double]))
    XCTAssertEqual(try weighted.scalars(as: Double.self), [0.5, 0, 3])
    XCTAssertThrowsError(try longs([-1]).bincount())
  }

  func testIndexErrorsAreCatchable() throws {
    let x = try cube()
    XCTAssertThrowsError(try x[5]) { error in
      guard case TorchError.libtorch(let op, let message) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(op, "index")
      XCTAssertTrue(message.contains("out of range") || message.contains("out of bounds"), message)
    }
    XCTAssertThrowsError(try x[0, 0, 0, 0])
    XCTAssertThrowsError(try x[.slice(step: -1)], "negative steps are rejected as in PyTorch")
    XCTAssertThrowsError(try x.slice(dim: 0, step: 0))
    XCTAssertThrowsError(try x[.ellipsis, .ellipsis]) { error in
      XCTAssertEqual(error as? TorchError, .libtorch(op: "index", message: "an index can only have a single ellipsis ('...')"))
    }
    XCTAssertThrowsError(try x.gather(dim: 0, index: Tensor([0.5] as [Float])))
  }
}
