import RSSegModels
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

/// A segmentation model that also shows where it looks: per-layer class heatmaps.
public protocol HeatmapSegmentationModel: SegmentationModel {
  /// L, the number of heatmap layers.
  var heatmapLayerCount: Int { get }
  /// `[B, N + L·N, H, W]`: the logits, then each layer's N heatmaps as probabilities in [0, 1]
  /// at the input's size.
  func logitsWithHeatmaps(_ x: Tensor) throws -> Tensor
}

extension BiCoRSeg: HeatmapSegmentationModel {
  public var heatmapLayerCount: Int { config.layers }

  /// The HBIS heatmaps (H/4 × W/4 logits) through a sigmoid, bilinearly upsampled.
  public func logitsWithHeatmaps(_ x: Tensor) throws -> Tensor {
    let output = try forward(x)
    let size = Array(x.shape[2...])
    let heatmaps = try output.heatmaps.map {
      try Functional.interpolate($0.sigmoid(), size: size, mode: .bilinear, alignCorners: false)
    }
    return try Tensor.cat([output.seg] + heatmaps, dim: 1)
  }
}
