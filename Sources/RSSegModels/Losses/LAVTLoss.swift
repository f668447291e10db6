import Torch

/// LAVT's training loss: cross-entropy over the two classes with class weights
/// (background 0.9, target 1.1 in the paper).
public struct LAVTLoss: Sendable {
  public let classWeights: [Double]

  public init(classWeights: [Double] = [0.9, 1.1]) { self.classWeights = classWeights }

  /// - Parameters:
  ///   - logits: `[B, 2, H, W]`.
  ///   - target: int64 `[B, H, W]`, 1 for the referred object.
  public func callAsFunction(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
    let weight = try Tensor(classWeights.map(Float.init)).to(logits.device, dtype: logits.dtype)
    return try Functional.crossEntropy(logits, target: target, weight: weight)
  }
}
