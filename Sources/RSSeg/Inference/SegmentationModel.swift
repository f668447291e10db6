import Torch

/// What the sliding-window predictor runs: a network mapping normalised images `[B, C, H, W]`
/// to per-pixel class logits `[B, N, H, W]` of the same size. Any segmentation model (and later
/// a referring model with its text bound) conforms and can be slid over a large scene.
public protocol SegmentationModel: AnyObject {
  /// N, the number of output channels.
  var classCount: Int { get }
  /// Window heights and widths must be multiples of this.
  var sizeMultiple: Int { get }
  /// Logits `[B, N, H, W]` for `[B, C, H, W]`.
  func logits(_ x: Tensor) throws -> Tensor
}

extension BiCoRSeg: SegmentationModel {
  public var classCount: Int { config.classes }
  /// Multiples of 32 keep every encoder stage aligned.
  public var sizeMultiple: Int { 32 }
  public func logits(_ x: Tensor) throws -> Tensor { try forward(x).seg }
}
