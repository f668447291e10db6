import Torch

/// Cross-entropy with label smoothing (pytorch-toolbelt's `SoftCrossEntropyLoss`, as used by
/// UNetFormer and BiCoR-Seg): per pixel (1 − ε)·NLL + (ε/N)·Σ_c −log p_c.
///
/// Pixels labelled `ignoreIndex` contribute 0 but still count in the mean's denominator (the
/// reference semantics: the mean is over all B·H·W pixels). `.none` gives `[B, H, W]`.
public struct SoftCrossEntropyLoss: SegmentationLoss {
  public var smoothing: Double
  public var ignoreIndex: Int?
  public var reduction: Reduction

  public init(smoothing: Double = 0.05, ignoreIndex: Int? = nil, reduction: Reduction = .mean) {
    self.smoothing = smoothing
    self.ignoreIndex = ignoreIndex
    self.reduction = reduction
  }

  public func callAsFunction(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
    try checkSegmentationInputs(logits, target, "SoftCrossEntropyLoss")
    let classes = logits.shape[1]
    let logProbs = try logits.logSoftmax(dim: 1)
    let (oneHot, keep) = try oneHotTargets(target, classes: classes, ignoreIndex: ignoreIndex, dtype: logits.dtype)
    let nll = try -(logProbs * oneHot).sum(dim: 1)
    let smooth = try -logProbs.sum(dim: 1) * keep
    return try reduction.apply((1 - smoothing) * nll + (smoothing / Double(classes)) * smooth)
  }
}
