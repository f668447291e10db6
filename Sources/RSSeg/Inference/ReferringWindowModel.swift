import RSSegModels
import Torch

/// A referring model with its sentences bound, so that `SlidingWindowPredictor` can slide it
/// over a scene like any segmentation model. Each window is paired with every sentence in one
/// forward pass (the window is read and normalised once; the text is encoded once per run).
///
/// Channels, for T sentences: 2t and 2t + 1 are sentence t's (background, target) logits; with
/// heatmaps, each stage l then adds 2T channels, (1 − s, s) per sentence, s = the sigmoid of the
/// stage's correlation map upsampled to the window (`HeatmapSegmentationModel`'s layout with
/// N = 2T, so that `PredictionOutputs` writes them per sentence as 2-class heatmaps).
public final class ReferringWindowModel: HeatmapSegmentationModel {
  public let model: any ReferringModel
  public let text: EncodedSentences

  /// Encodes `tokens` (`[T, N]` ids and mask) with the model, which runs on `device`.
  public init(model: any ReferringModel, tokens: TextBatch, device: Device = .cpu) throws {
    self.model = model
    text = try Torch.withInferenceMode { try model.encodeText(ids: tokens.ids.to(device), mask: tokens.mask.to(device)) }
  }

  public var sentenceCount: Int { text.count }
  public var classCount: Int { 2 * sentenceCount }
  public var sizeMultiple: Int { model.sizeMultiple }
  public var heatmapLayerCount: Int { model.mapCount }

  public func logits(_ x: Tensor) throws -> Tensor { try run(x).logits }

  public func logitsWithHeatmaps(_ x: Tensor) throws -> Tensor {
    let (logits, prediction) = try run(x)
    let (b, t) = (x.shape[0], sentenceCount)
    let size = Array(x.shape[2...])
    let maps = try prediction.maps.map { map in
      let s = try Functional.interpolate(map.sigmoid(), size: size, mode: .bilinear, alignCorners: false).reshape([b, t] + size)
      return try Tensor.stack([1 - s, s], dim: 2).reshape([b, 2 * t] + size)
    }
    return try Tensor.cat([logits] + maps, dim: 1)
  }

  /// Logits `[B, 2T, H, W]` for windows `[B, 3, H, W]`, and the model's raw prediction.
  private func run(_ x: Tensor) throws -> (logits: Tensor, prediction: ReferringPrediction) {
    let shape = x.shape
    let (b, t) = (shape[0], sentenceCount)
    let pairs = try x.unsqueeze(1).expand([b, t] + shape.dropFirst()).reshape([b * t] + shape.dropFirst())
    let prediction = try model.forward(pairs, text: text.tiled(images: b))
    return (try prediction.logits.reshape([b, 2 * t] + shape.dropFirst(2)), prediction)
  }
}
