import Torch

/// The main segmentation loss of UNetFormer and BiCoR-Seg: SoftCE(ε) + Dice(s), equal weights.
public struct SoftCEDiceLoss: SegmentationLoss {
  public var crossEntropy: SoftCrossEntropyLoss
  public var dice: DiceLoss

  /// ε = 0.05 label smoothing and s = 0.05 Dice smoothing by default, as the reference.
  public init(ignoreIndex: Int?, smoothing: Double = 0.05, diceSmooth: Double = 0.05) {
    crossEntropy = SoftCrossEntropyLoss(smoothing: smoothing, ignoreIndex: ignoreIndex)
    dice = DiceLoss(smooth: diceSmooth, ignoreIndex: ignoreIndex)
  }

  public func callAsFunction(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
    try crossEntropy(logits, target) + dice(logits, target)
  }
}
