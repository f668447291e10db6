import XCTest
@testable import Torch

final class FunctionalActivationTests: XCTestCase {
  func testSoftmaxAndLogSoftmax() throws {
    let v: [Float] = [1, 2, 3, -1, 0, 1]
    let x = try Tensor(v, shape: [2, 3])
    var expected: [Float] = []
    for row in 0..<2 {
      let r = v[row * 3..<row * 3 + 3]
      let z = r.map { Float(Foundation.exp(Double($0))) }.reduce(0, +)
      expected += r.map { Float(Foundation.exp(Double($0))) / z }
    }
    try assertClose(try x.softmax(dim: -1), expected)
    try assertClose(try x.logSoftmax(dim: 1), expected.map { Foundation.log($0) })
    // Over dim 0 each column's two values sum to one.
    let col = try x.softmax(dim: 0).scalars(as: Float.self)
    XCTAssertEqual(col[0] + col[3], 1, accuracy: 1e-6)
    XCTAssertEqual(try x.softmax(dim: 1, dtype: .float64).dtype, .float64)
  }

  func testDropoutZeroesOrScales() throws {
    Torch.manualSeed(0)
    let x = try Tensor.ones([1000])
    let y = try Functional.dropout(x, p: 0.25, training: true).scalars(as: Float.self)
    XCTAssertTrue(y.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
    let kept = y.filter { $0 != 0 }.count
    XCTAssertTrue((650...850).contains(kept), "kept \(kept) of 1000")
    try assertClose(try Functional.dropout(x, p: 0.25, training: false), [Float](repeating: 1, count: 1000))
    XCTAssertThrowsError(try Functional.dropout(x, p: 1.5))
  }

  func testDropPathDropsWholeSamples() throws {
    Torch.manualSeed(1)
    let x = try Tensor.ones([64, 3, 2])
    let y = try Functional.dropPath(x, p: 0.5, training: true).scalars(as: Float.self)
    var dropped = 0
    for s in 0..<64 {
      let sample = y[s * 6..<(s + 1) * 6]
      XCTAssertTrue(sample.allSatisfy { $0 == 0 } || sample.allSatisfy { $0 == 2 }, "sample \(s): \(sample)")
      if sample.first == 0 { dropped += 1 }
    }
    XCTAssertTrue((16...48).contains(dropped), "dropped \(dropped) of 64")
    try assertClose(try Functional.dropPath(x, p: 0.5, training: false), [Float](repeating: 1, count: 384))
  }
}
