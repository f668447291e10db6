import XCTest
@testable import Torch

final class FunctionalNormalizationTests: XCTestCase {
  /// (v - mean) / sqrt(var + eps) over each consecutive group of `size` values.
  private func normalizeGroups(_ v: [Float], size: Int, eps: Float = 1e-5) -> [Float] {
    stride(from: 0, to: v.count, by: size).flatMap { start -> [Float] in
      let g = v[start..<start + size]
      let mean = g.reduce(0, +) / Float(size)
      let variance = g.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(size)
      return g.map { ($0 - mean) / (variance + eps).squareRoot() }
    }
  }

  func testLayerNormWithAffine() throws {
    let v = testValues(2 * 3 * 4)
    let w = try Tensor([1, 2, 3, 4] as [Float]), b = try Tensor([0, 1, 0, -1] as [Float])
    let y = try Functional.layerNorm(try Tensor(v, shape: [2, 3, 4]), normalizedShape: [4], weight: w, bias: b)
    let n = normalizeGroups(v, size: 4)
    let expected = n.enumerated().map { i, x in x * [1, 2, 3, 4][i % 4] + [0, 1, 0, -1][i % 4] }
    try assertClose(y, expected, accuracy: 1e-5)
  }

  func testGroupNormAndInstanceNorm() throws {
    // [N=2, C=4, H*W=3]; 2 groups → groups of 2 channels × 3 pixels = 6 consecutive values.
    let v = testValues(2 * 4 * 3, seed: 7)
    let x = try Tensor(v, shape: [2, 4, 3])
    try assertClose(try Functional.groupNorm(x, groups: 2), normalizeGroups(v, size: 6), accuracy: 1e-5)
    let x4 = try x.reshape([2, 4, 3, 1])
    try assertClose(try Functional.instanceNorm(x4), normalizeGroups(v, size: 3), accuracy: 1e-5)
  }

  func testBatchNormTrainingUpdatesRunningStatistics() throws {
    // [N=2, C=2, 1, 2]: channel 0 holds 1, 2, 3, 6; channel 1 holds 0, 0, 4, 4.
    let x = try Tensor([1, 2, 0, 0, 3, 6, 4, 4] as [Float], shape: [2, 2, 1, 2])
    let mean = try Tensor.zeros([2]), variance = try Tensor.ones([2])
    let y = try Functional.batchNorm(x, runningMean: mean, runningVar: variance, training: true, momentum: 0.1)
    // Channel 0: mean 3, biased var (4 + 1 + 0 + 9)/4 = 3.5, unbiased 14/3.
    // Channel 1: mean 2, biased var 4, unbiased 16/3.
    try assertClose(mean, [0.3, 0.2])
    try assertClose(variance, [0.9 + 0.1 * 14 / 3, 0.9 + 0.1 * 16 / 3])
    let s0 = (3.5 + 1e-5 as Float).squareRoot(), s1 = (4 + 1e-5 as Float).squareRoot()
    try assertClose(y, [-2 / s0, -1 / s0, -2 / s1, -2 / s1, 0, 3 / s0, 2 / s1, 2 / s1])
    // Evaluation uses the running statistics and leaves them alone.
    let e = try Functional.batchNorm(x, runningMean: mean, runningVar: variance, training: false)
    let v0 = (0.9 + 0.1 * 14 / 3 + 1e-5 as Float).squareRoot()
    XCTAssertEqual(try e.scalars(as: Float.self)[0], (1 - 0.3) / v0, accuracy: 1e-5)
    try assertClose(mean, [0.3, 0.2])
    XCTAssertThrowsError(try Functional.batchNorm(x, runningMean: nil, runningVar: nil, training: false))
  }
}
