import XCTest
@testable import Torch

final class TensorShapeTests: XCTestCase {
  /// arange(n) as float32 reshaped to `shape`.
  func iota(_ shape: [Int]) throws -> Tensor {
    try Tensor.arange(0, .int(Int64(shape.reduce(1, *))), dtype: .float32).reshape(shape)
  }

  func testExpandBroadcastRepeat() throws {
    let col = try Tensor([1, 2] as [Float], shape: [2, 1])
    let e = try col.expand([2, 3])
    XCTAssertEqual(e.shape, [2, 3])
    XCTAssertEqual(e.strides, [1, 0], "expanded dims have stride 0")
    XCTAssertEqual(try e.scalars(as: Float.self), [1, 1, 1, 2, 2, 2])
    XCTAssertEqual(try col.expand([-1, 4]).shape, [2, 4])
    XCTAssertEqual(try col.expandAs(Tensor.zeros([3, 2, 5])).shape, [3, 2, 5])
    XCTAssertEqual(try col.broadcastTo([2, 2]).scalars(as: Float.self), [1, 1, 2, 2])
    let both = try Tensor.broadcastTensors([col, Tensor.zeros([3])])
    XCTAssertEqual(both.map(\.shape), [[2, 3], [2, 3]])
    XCTAssertEqual(try col.repeat([1, 2]).scalars(as: Float.self), [1, 1, 2, 2])
    XCTAssertEqual(try col.repeat([2, 1]).scalars(as: Float.self), [1, 2, 1, 2])
    XCTAssertEqual(try Tensor([1, 2] as [Int64]).repeatInterleave(2, dim: 0).scalars(as: Int64.self), [1, 1, 2, 2])
    XCTAssertThrowsError(try col.expand([3, 3]))
  }

  func testNarrowSelectSliceViews() throws {
    let x = try iota([3, 4])
    let n = try x.narrow(dim: 1, start: 1, length: 2)
    XCTAssertEqual(n.shape, [3, 2])
    XCTAssertEqual(n.storageOffset, 1)
    XCTAssertEqual(n.strides, [4, 1])
    XCTAssertEqual(try n.scalars(as: Float.self), [1, 2, 5, 6, 9, 10])
    let row = try x.select(dim: 0, index: -1)
    XCTAssertEqual(row.shape, [4])
    XCTAssertEqual(row.storageOffset, 8)
    XCTAssertEqual(try row.scalars(as: Float.self), [8, 9, 10, 11])
    let stepped = try x.slice(dim: 1, start: 1, step: 2)
    XCTAssertEqual(stepped.strides, [4, 2])
    XCTAssertEqual(stepped.storageOffset, 1)
    XCTAssertEqual(try stepped.scalars(as: Float.self), [1, 3, 5, 7, 9, 11])
    XCTAssertEqual(try x.slice(dim: 0, start: -2, end: -1).scalars(as: Float.self), [4, 5, 6, 7])
    XCTAssertFalse(stepped.isContiguous)
    // Views share storage: writing through one is seen by the other.
    try row.fill_(0)
    XCTAssertEqual(try x.sum().float(), 66 - 38)
  }

  func testChunkSplitUnbind() throws {
    let x = try iota([5, 2])
    XCTAssertEqual(try x.chunk(3).map(\.shape), [[2, 2], [2, 2], [1, 2]])
    XCTAssertEqual(try x.split(2).map(\.shape), [[2, 2], [2, 2], [1, 2]])
    let parts = try x.split(sizes: [1, 4])
    XCTAssertEqual(parts.map(\.shape), [[1, 2], [4, 2]])
    XCTAssertEqual(parts[1].storageOffset, 2)
    let cols = try x.unbind(dim: 1)
    XCTAssertEqual(cols.count, 2)
    XCTAssertEqual(try cols[1].scalars(as: Float.self), [1, 3, 5, 7, 9])
    XCTAssertThrowsError(try x.split(sizes: [1, 1]))
  }

  func testFlipRollRot90Triangles() throws {
    let x = try iota([2, 3])  // [[0, 1, 2], [3, 4, 5]]
    XCTAssertEqual(try x.flip([1]).scalars(as: Float.self), [2, 1, 0, 5, 4, 3])
    XCTAssertEqual(try x.flip([0, 1]).scalars(as: Float.self), [5, 4, 3, 2, 1, 0])
    XCTAssertEqual(try x.roll(1, dim: 1).scalars(as: Float.self), [2, 0, 1, 5, 3, 4])
    XCTAssertEqual(try x.roll(shifts: [1]).scalars(as: Float.self), [5, 0, 1, 2, 3, 4])
    let r = try x.rot90()  // counter-clockwise: [[2, 5], [1, 4], [0, 3]]
    XCTAssertEqual(r.shape, [3, 2])
    XCTAssertEqual(try r.scalars(as: Float.self), [2, 5, 1, 4, 0, 3])
    XCTAssertEqual(try x.rot90(2).scalars(as: Float.self), [5, 4, 3, 2, 1, 0])
    let m = try Tensor.ones([3, 3])
    XCTAssertEqual(try m.tril().scalars(as: Float.self), [1, 0, 0, 1, 1, 0, 1, 1, 1])
    XCTAssertEqual(try m.triu(1).scalars(as: Float.self), [0, 1, 1, 0, 0, 1, 0, 0, 0])
    XCTAssertEqual(try iota([3, 3]).diagonal().scalars(as: Float.self), [0, 4, 8])
  }

  func testUnflattenMovedimSqueeze() throws {
    let x = try iota([2, 12])
    XCTAssertEqual(try x.unflatten(dim: 1, sizes: [3, -1]).shape, [2, 3, 4])
    let y = try iota([2, 3, 4])
    let m = try y.movedim(0, -1)
    XCTAssertEqual(m.shape, [3, 4, 2])
    XCTAssertEqual(m.strides, [4, 1, 12])
    XCTAssertEqual(try y.movedim([0, 1], [2, 0]).shape, [3, 4, 2])
    XCTAssertEqual(try y.permute([2, 0, 1]).strides, [1, 12, 4])
    XCTAssertEqual(try y.unsqueeze(1).squeeze().shape, [2, 3, 4])
    XCTAssertEqual(try y.flatten(startDim: 1).shape, [2, 12])
    XCTAssertThrowsError(try y.movedim([0], [1, 2]))
  }

  func testAsStridedAndContiguous() throws {
    let x = try iota([6])
    let w = try x.asStrided([2, 3], strides: [1, 2], storageOffset: 0)
    XCTAssertEqual(try w.scalars(as: Float.self), [0, 2, 4, 1, 3, 5])
    let t = try iota([2, 3]).transpose(0, 1)
    XCTAssertFalse(t.isContiguous)
    let c = try t.contiguous()
    XCTAssertTrue(c.isContiguous)
    XCTAssertEqual(c.strides, [2, 1])
    XCTAssertEqual(try c.scalars(as: Float.self), [0, 3, 1, 4, 2, 5])
  }

  func testMeshgrid() throws {
    let rows = try Tensor([0, 1] as [Int64])
    let cols = try Tensor([0, 1, 2] as [Int64])
    let ij = try Tensor.meshgrid([rows, cols])
    XCTAssertEqual(ij.map(\.shape), [[2, 3], [2, 3]])
    XCTAssertEqual(try ij[0].scalars(as: Int64.self), [0, 0, 0, 1, 1, 1])
    XCTAssertEqual(try ij[1].scalars(as: Int64.self), [0, 1, 2, 0, 1, 2])
    let xy = try Tensor.meshgrid([rows, cols], indexing: .xy)
    XCTAssertEqual(xy.map(\.shape), [[3, 2], [3, 2]])
  }
}
