import XCTest
@testable import Torch

final class FunctionalLossTests: XCTestCase {
  private let logitValues: [Float] = [2, 1, 0.1, 0.5, 2.5, -1, -0.3, 0.2, 0.8, 1.5, 1.5, 0]
  private let targets: [Int64] = [0, 2, 1, -1]
  private let classWeights: [Float] = [0.5, 1, 2]

  /// log_softmax of each row of 3.
  private func logProbs() -> [[Float]] {
    (0..<4).map { r in
      let row = Array(logitValues[r * 3..<r * 3 + 3])
      let lse = Foundation.log(row.map { Foundation.exp($0) }.reduce(0, +))
      return row.map { $0 - lse }
    }
  }

  /// Per-sample (nll, smooth) terms of PyTorch's label-smoothed cross-entropy.
  private func terms(weighted: Bool) -> [(nll: Float, smooth: Float, weight: Float)] {
    let lp = logProbs()
    return (0..<3).map { i in
      let y = Int(targets[i])
      let w = weighted ? classWeights : [1, 1, 1]
      return (-w[y] * lp[i][y], -(0..<3).map { w[$0] * lp[i][$0] }.reduce(0, +), w[y])
    }
  }

  func testCrossEntropyWeightsIgnoreAndSmoothing() throws {
    let x = try Tensor(logitValues, shape: [4, 3]), t = try Tensor(targets)
    let w = try Tensor(classWeights)
    let eps: Float = 0.1
    let weighted = terms(weighted: true)
    let weightSum = weighted.map(\.weight).reduce(0, +)
    let perSample = weighted.map { (1 - eps) * $0.nll + eps / 3 * $0.smooth }
    let mean = try Functional.crossEntropy(x, target: t, weight: w, ignoreIndex: -1, labelSmoothing: 0.1)
    XCTAssertEqual(try mean.float(), perSample.reduce(0, +) / weightSum, accuracy: 1e-5)
    let sum = try Functional.crossEntropy(x, target: t, weight: w, ignoreIndex: -1, reduction: .sum, labelSmoothing: 0.1)
    XCTAssertEqual(try sum.float(), perSample.reduce(0, +), accuracy: 1e-5)
    let none = try Functional.crossEntropy(x, target: t, weight: w, ignoreIndex: -1, reduction: .none, labelSmoothing: 0.1)
    try assertClose(none, perSample + [0], accuracy: 1e-5)

    let plain = terms(weighted: false)
    let plainMean = try Functional.crossEntropy(x, target: t, ignoreIndex: -1, labelSmoothing: 0.1)
    XCTAssertEqual(try plainMean.float(), plain.map { (1 - eps) * $0.nll + eps / 3 * $0.smooth }.reduce(0, +) / 3, accuracy: 1e-5)
    let noSmoothing = try Functional.crossEntropy(x, target: t, ignoreIndex: -1)
    XCTAssertEqual(try noSmoothing.float(), plain.map(\.nll).reduce(0, +) / 3, accuracy: 1e-5)
    let nll = try Functional.nllLoss(try x.logSoftmax(dim: 1), target: t, weight: w, ignoreIndex: -1)
    XCTAssertEqual(try nll.float(), weighted.map(\.nll).reduce(0, +) / weightSum, accuracy: 1e-5)
  }

  func testCrossEntropyOnImages() throws {
    // [N=1, C=3, H=1, W=4] holds the same four samples as the [4, 3] case.
    let x = try Tensor(logitValues, shape: [4, 3]).transpose(0, 1).reshape([1, 3, 1, 4])
    let t = try Tensor(targets, shape: [1, 1, 4])
    let image = try Functional.crossEntropy(x, target: t, ignoreIndex: -1, reduction: .none)
    XCTAssertEqual(image.shape, [1, 1, 4])
    let flat = try Functional.crossEntropy(try Tensor(logitValues, shape: [4, 3]), target: try Tensor(targets), ignoreIndex: -1, reduction: .none)
    try assertClose(image, try flat.scalars(), accuracy: 1e-6)
  }

  func testBinaryCrossEntropyWithLogits() throws {
    let x: [Float] = [-1, 0, 2], t: [Float] = [0, 1, 1]
    let l = zip(x, t).map { max($0, 0) - $0 * $1 + Foundation.log(1 + Foundation.exp(-abs($0))) }
    let y = try Functional.binaryCrossEntropyWithLogits(try Tensor(x), target: try Tensor(t))
    XCTAssertEqual(try y.float(), l.reduce(0, +) / 3, accuracy: 1e-6)
    // pos_weight p scales the positive term: p·t·log σ(x) + (1-t)·log(1-σ(x)).
    let pw = try Functional.binaryCrossEntropyWithLogits(try Tensor(x), target: try Tensor(t), posWeight: try Tensor([3] as [Float]), reduction: .sum)
    let expected = zip(x, t).map { x, t -> Float in
      let logSig = -Foundation.log(1 + Foundation.exp(-x)), logOneMinus = -Foundation.log(1 + Foundation.exp(x))
      return -(3 * t * logSig + (1 - t) * logOneMinus)
    }
    XCTAssertEqual(try pw.float(), expected.reduce(0, +), accuracy: 1e-5)
  }
}
