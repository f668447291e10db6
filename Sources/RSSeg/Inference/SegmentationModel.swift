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
  public func logitsWithHeatmaps(_ x: Tensor) throws -> Tensor { try withHeatmaps(forward(x), size: Array(x.shape[2...])) }

  func withHeatmaps(_ output: BiCoRSegOutput, size: [Int]) throws -> Tensor {
    let heatmaps = try output.heatmaps.map {
      try Functional.interpolate($0.sigmoid(), size: size, mode: .bilinear, alignCorners: false)
    }
    return try Tensor.cat([output.seg] + heatmaps, dim: 1)
  }
}

/// A model whose windows can share one class dictionary pooled over the whole scene
/// (`SceneDictionary`), so that what it predicts at a pixel does not depend on where the
/// windows fall.
public protocol SceneDictionaryModel: HeatmapSegmentationModel {
  /// The shape of one window's evidence.
  var dictionaryEvidenceShape: [Int] { get }
  /// Each window's evidence `[B] + dictionaryEvidenceShape`, to be summed over a scene's windows.
  func dictionaryEvidence(_ x: Tensor) throws -> Tensor
  /// The dictionary the windows use, from evidence summed over windows.
  func sceneDictionary(evidence: Tensor) throws -> Tensor
  /// `logits(x)` with `dictionary` in place of the one pooled over each window.
  func logits(_ x: Tensor, dictionary: Tensor) throws -> Tensor
  /// `logitsWithHeatmaps(x)` with `dictionary` in place of the one pooled over each window.
  func logitsWithHeatmaps(_ x: Tensor, dictionary: Tensor) throws -> Tensor
}

extension BiCoRSeg: SceneDictionaryModel {
  /// `[L, N, C + 1]`: per HBIS layer and class, the numerator and denominator of the pooling.
  public var dictionaryEvidenceShape: [Int] { [config.layers, config.classes, config.embedDim + 1] }
  public func sceneDictionary(evidence: Tensor) throws -> Tensor { try Self.dictionary(evidence: evidence) }
  public func logits(_ x: Tensor, dictionary: Tensor) throws -> Tensor { try forward(x, dictionary: dictionary).seg }
  public func logitsWithHeatmaps(_ x: Tensor, dictionary: Tensor) throws -> Tensor {
    try withHeatmaps(forward(x, dictionary: dictionary), size: Array(x.shape[2...]))
  }
}
