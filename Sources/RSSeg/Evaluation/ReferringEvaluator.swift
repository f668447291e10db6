import Foundation
import Torch

/// Runs a referring network over evaluation samples in their fixed order and measures each
/// sample's intersection and union of predicted and target masks (at the samples' size; spec
/// btdnet §5), optionally handing every prediction to a callback (masks, overlays).
public struct ReferringEvaluator {
  /// Intersection and union (pixels) of one sample's prediction and target.
  public struct Overlap: Sendable, Equatable {
    public var intersection: Int
    public var union: Int

    public init(intersection: Int, union: Int) {
      self.intersection = intersection
      self.union = union
    }
  }

  /// One predicted sample, for outputs.
  public struct Prediction {
    public var index: Int
    public var sentence: String
    public var width: Int, height: Int
    /// Row-major 0/1 prediction.
    public var mask: [UInt8]
    public var overlap: Overlap
  }

  /// Samples scored (0 = all).
  public var maxSamples = 0
  public var progress = false

  public init() {}

  /// - Parameters:
  ///   - forward: logits B×2×H×W of a batch (the network in eval mode).
  ///   - each: called with every sample's prediction, in order.
  /// - Returns: every sample's overlap, in order.
  public func run(
    _ forward: (ReferringBatch) throws -> Tensor, on loader: ReferringLoader, each: ((Prediction) throws -> Void)? = nil
  ) throws -> [Overlap] {
    let total = maxSamples > 0 ? min(maxSamples, loader.count) : loader.count
    let bar = ProgressBar(total: total, label: "evaluate", unit: "sample", enabled: progress)
    defer { bar.finish() }
    var overlaps: [Overlap] = []
    let next = loader.batches(epoch: 0)
    while overlaps.count < total, let batch = try next() {
      let logits = try Torch.withInferenceMode { try forward(batch) }
      let prediction = try logits.argmax(dim: 1)
      let target = try batch.targets.eq(1)
      let predicted = try prediction.eq(1)
      let intersections = try predicted.logicalAnd(target).sum(dims: [1, 2], dtype: .int64).scalars(as: Int64.self)
      let unions = try predicted.logicalOr(target).sum(dims: [1, 2], dtype: .int64).scalars(as: Int64.self)
      let (height, width) = (batch.targets.shape[1], batch.targets.shape[2])
      let masks = each == nil ? [] : try prediction.to(.uint8).scalars(as: UInt8.self)
      for b in 0..<min(batch.indices.count, total - overlaps.count) {
        let overlap = Overlap(intersection: Int(intersections[b]), union: Int(unions[b]))
        overlaps.append(overlap)
        if let each {
          let plane = width * height
          try each(
            Prediction(
              index: batch.indices[b], sentence: batch.sentences[b], width: width, height: height,
              mask: Array(masks[(b * plane)..<((b + 1) * plane)]), overlap: overlap))
        }
        bar.advance()
      }
    }
    return overlaps
  }
}
