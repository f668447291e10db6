import Foundation
import RSSegModels

/// A BiCoR-Seg training run's settings, read from a YAML file (configs/*.yaml) with `key=value`
/// overrides: the network, loss and optimiser keys below plus the `RunSettings` keys, all
/// snake_case at the top level. Missing keys take the dataset preset's training recipe (spec §3).
public struct SegmentationTrainingConfig: ConfigFamily, Equatable, Sendable {
  /// Dataset layout: vaihingen, potsdam (prepared patches), loveda, dubai.
  public var dataset: String
  /// The dataset folder.
  public var data: String
  /// BiCoR-Seg preset (network and classes); defaults to the dataset's (dubai uses vaihingen's network).
  public var preset: String?
  public var cropSize: Int?
  public var lr: Double?
  public var minLR: Double?
  public var weightDecay: Double?
  public var lookaheadK: Int?
  public var lookaheadAlpha: Double?
  public var auxWeight = 0.4
  public var fisherFinalWeight = 1.0
  public var heatmapWeight = 0.1
  public var fisherLayersWeight = 0.1
  /// torchvision ImageNet ConvNeXt weights for the encoder (training without them warns).
  public var imagenet: String?
  /// Encoder override for small runs and tests: "tiny", "small", "base", "large".
  public var encoder: String?
  public var encoderDims: [Int]?
  public var encoderDepths: [Int]?
  public var embedDim: Int?
  /// Validation images used (0 = all).
  public var maxValImages = 0
  public var run = RunSettings()

  enum CodingKeys: String, CodingKey, CaseIterable {
    case dataset, data, preset, lr, imagenet, encoder
    case cropSize = "crop_size", minLR = "min_lr", weightDecay = "weight_decay"
    case lookaheadK = "lookahead_k", lookaheadAlpha = "lookahead_alpha", auxWeight = "aux_weight"
    case fisherFinalWeight = "fisher_final_weight", heatmapWeight = "heatmap_weight"
    case fisherLayersWeight = "fisher_layers_weight", encoderDims = "encoder_dims", encoderDepths = "encoder_depths"
    case embedDim = "embed_dim", maxValImages = "max_val_images"
  }

  public init(dataset: String, data: String) {
    self.dataset = dataset
    self.data = data
  }

  static let defaults = SegmentationTrainingConfig(dataset: "", data: "")
  static let requiredKeys = ["dataset", "data"]
  static let pathKeys = ["data", "imagenet"]

  /// Reads `path` and applies `overrides` ("key=value", the value read as YAML).
  /// Relative `data`/`imagenet` paths are resolved against the config file's folder.
  public static func load(path: String, overrides: [String] = []) throws -> SegmentationTrainingConfig {
    try ConfigFile.load(SegmentationTrainingConfig.self, path: path, overrides: overrides)
  }

  /// The settings as a flat YAML-compatible JSON object (recorded next to checkpoints).
  public func json() throws -> String { try ConfigFile.json(self) }
}
