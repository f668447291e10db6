/// The reference training recipe of a dataset (BiCoR-Seg spec §3): AdamW (one parameter group)
/// wrapped in Lookahead, cosine annealing per epoch from `lr` to `minLR` over `epochs`.
public struct TrainingDefaults: Codable, Equatable, Sendable {
  /// The validation metric that selects the best checkpoint.
  public enum SelectionMetric: String, Codable, Sendable {
    case meanF1 = "mean_f1"
    case mIoU = "miou"
  }

  public var epochs: Int
  public var trainBatch: Int
  public var valBatch: Int
  public var lr: Double
  public var minLR: Double = 1e-6
  public var weightDecay: Double = 0.01
  public var lookaheadK: Int = 5
  public var lookaheadAlpha: Double = 0.5
  /// Side of the square training crop in pixels.
  public var trainCrop: Int
  public var rot90Probability: Double
  public var selection: SelectionMetric

  enum CodingKeys: String, CodingKey {
    case epochs, lr, selection
    case trainBatch = "train_batch"
    case valBatch = "val_batch"
    case minLR = "min_lr"
    case weightDecay = "weight_decay"
    case lookaheadK = "lookahead_k"
    case lookaheadAlpha = "lookahead_alpha"
    case trainCrop = "train_crop"
    case rot90Probability = "rot90_probability"
  }
}
