import Foundation
import RSSegModels
import Torch

/// Runs a referring network over evaluation samples in their fixed order and scores each
/// prediction against its target at the samples' size (spec btdnet §5), optionally handing every
/// prediction to a callback (masks, overlays).
public struct ReferringEvaluator {
  /// One predicted sample, for outputs.
  public struct Prediction {
    public var index: Int
    public var sentence: String
    /// The sample's file-name-safe name.
    public var name: String
    public var width: Int, height: Int
    /// Row-major 0/1 prediction.
    public var mask: [UInt8]
    /// Pixels in both the prediction and the target, and in either.
    public var intersection: Int, union: Int
  }

  /// Samples scored (0 = all).
  public var maxSamples = 0
  public var progress = false

  public init() {}

  /// - Parameters:
  ///   - forward: logits B×2×H×W of a batch (the network in eval mode).
  ///   - each: called with every sample's prediction, in order.
  /// - Returns: the scores of every sample (the first `maxSamples`).
  public func run(
    _ forward: (ReferringBatch) throws -> Tensor, on loader: ReferringLoader, each: ((Prediction) throws -> Void)? = nil
  ) throws -> ReferringScores {
    let total = maxSamples > 0 ? min(maxSamples, loader.count) : loader.count
    let bar = ProgressBar(total: total, label: "evaluate", unit: "sample", enabled: progress)
    defer { bar.finish() }
    var scores = ReferringScores()
    let next = loader.batches(epoch: 0)
    // One cast of each weight for the whole set under autocast (Torch.withRepeatedInference).
    try Torch.withRepeatedInference {
      while scores.samples < total, let batch = try next() {
        let logits = try forward(batch)
        let prediction = try logits.argmax(dim: 1).to(.cpu)
        let target = try batch.targets.eq(1)
        let predicted = try prediction.eq(1)
        let intersections = try predicted.logicalAnd(target).sum(dims: [1, 2], dtype: .int64).scalars(as: Int64.self)
        let unions = try predicted.logicalOr(target).sum(dims: [1, 2], dtype: .int64).scalars(as: Int64.self)
        let (height, width) = (batch.targets.shape[1], batch.targets.shape[2])
        let masks = each == nil ? [] : try prediction.to(.uint8).scalars(as: UInt8.self)
        for b in 0..<min(batch.indices.count, total - scores.samples) {
          let (intersection, union) = (Int(intersections[b]), Int(unions[b]))
          try scores.add(intersection: intersection, union: union)
          if let each {
            let plane = width * height
            try each(
              Prediction(
                index: batch.indices[b], sentence: batch.sentences[b], name: batch.names[b], width: width, height: height,
                mask: Array(masks[(b * plane)..<((b + 1) * plane)]), intersection: intersection, union: union))
          }
          bar.advance()
        }
      }
    }
    return scores
  }
}
