import Torch

/// Multi-class soft Dice loss from logits (pytorch-toolbelt's `DiceLoss`, as used by UNetFormer
/// and BiCoR-Seg).
///
/// Softmax probabilities and one-hot targets are zeroed at ignored pixels; per class over all
/// (batch, pixel): dice_c = (2·Σ p·t + s) / max(Σ p + Σ t + s, eps), loss_c = 1 − dice_c, and
/// classes with no target pixel in the batch get 0. `.mean` averages over all N classes (the
/// reference); `.none` gives the per-class losses `[N]`.
public struct DiceLoss: SegmentationLoss {
  public var smooth: Double
  public var eps: Double
  public var ignoreIndex: Int?
  public var reduction: Reduction

  public init(smooth: Double = 0.05, eps: Double = 1e-7, ignoreIndex: Int? = nil, reduction: Reduction = .mean) {
    self.smooth = smooth
    self.eps = eps
    self.ignoreIndex = ignoreIndex
    self.reduction = reduction
  }

  public func callAsFunction(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
    try checkSegmentationInputs(logits, target, "DiceLoss")
    let (oneHot, keep) = try oneHotTargets(target, classes: logits.shape[1], ignoreIndex: ignoreIndex, dtype: logits.dtype)
    let probs = try logits.logSoftmax(dim: 1).exp() * keep.unsqueeze(1)
    let dims = [0, 2, 3]
    let intersection = try (probs * oneHot).sum(dims: dims)
    let cardinality = try (probs + oneHot).sum(dims: dims)
    let dice = try (2 * intersection + smooth) / (cardinality + smooth).clamp(min: .float(eps))
    let present = try oneHot.sum(dims: dims).gt(0).to(logits.dtype)
    return try reduction.apply((1 - dice) * present)
  }
}
