import Foundation

/// A training run's settings, read from a YAML file (configs/*.yaml) with `key=value` overrides.
/// Keys are snake_case; missing keys take the dataset preset's training defaults (spec §3).
public struct TrainingConfig: Codable, Equatable, Sendable {
  /// Dataset layout: vaihingen, potsdam (prepared patches), loveda, dubai.
  public var dataset: String
  /// The dataset folder.
  public var data: String
  /// BiCoR-Seg preset (network and classes); defaults to the dataset's (dubai uses vaihingen's network).
  public var preset: String?
  public var epochs: Int?
  public var batchSize: Int?
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
  public var validateEvery = 1
  public var valBatch: Int?
  /// Best checkpoints kept (by the monitor metric), besides the last one.
  public var keepBest = 1
  public var seed: UInt64 = 0
  public var workers = 2
  /// libtorch intra-op threads (0 leaves libtorch's default).
  public var threads = 0
  /// bfloat16 autocast for forward and loss.
  public var bf16 = false
  /// Micro-batches accumulated per optimiser step.
  public var accumulate = 1
  /// Stop after this many optimiser steps in total (0 = run every epoch); for short runs.
  public var maxSteps = 0
  /// Validation images used (0 = all).
  public var maxValImages = 0
  public var clipGradNorm: Double?
  public var progress = true

  enum CodingKeys: String, CodingKey {
    case dataset, data, preset, epochs, lr, imagenet, encoder, seed, workers, threads, bf16, accumulate, progress
    case batchSize = "batch_size", cropSize = "crop_size", minLR = "min_lr", weightDecay = "weight_decay"
    case lookaheadK = "lookahead_k", lookaheadAlpha = "lookahead_alpha", auxWeight = "aux_weight"
    case fisherFinalWeight = "fisher_final_weight", heatmapWeight = "heatmap_weight"
    case fisherLayersWeight = "fisher_layers_weight", encoderDims = "encoder_dims", encoderDepths = "encoder_depths"
    case embedDim = "embed_dim", validateEvery = "validate_every", valBatch = "val_batch", keepBest = "keep_best"
    case maxSteps = "max_steps", maxValImages = "max_val_images", clipGradNorm = "clip_grad_norm"
  }

  public init(dataset: String, data: String) {
    self.dataset = dataset
    self.data = data
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
    dataset = try c.decode(String.self, forKey: .dataset)
    data = try c.decode(String.self, forKey: .data)
    preset = try c.decodeIfPresent(String.self, forKey: .preset)
    epochs = try c.decodeIfPresent(Int.self, forKey: .epochs)
    batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize)
    cropSize = try c.decodeIfPresent(Int.self, forKey: .cropSize)
    lr = try c.decodeIfPresent(Double.self, forKey: .lr)
    minLR = try c.decodeIfPresent(Double.self, forKey: .minLR)
    weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay)
    lookaheadK = try c.decodeIfPresent(Int.self, forKey: .lookaheadK)
    lookaheadAlpha = try c.decodeIfPresent(Double.self, forKey: .lookaheadAlpha)
    auxWeight = try value(.auxWeight, 0.4)
    fisherFinalWeight = try value(.fisherFinalWeight, 1.0)
    heatmapWeight = try value(.heatmapWeight, 0.1)
    fisherLayersWeight = try value(.fisherLayersWeight, 0.1)
    imagenet = try c.decodeIfPresent(String.self, forKey: .imagenet)
    encoder = try c.decodeIfPresent(String.self, forKey: .encoder)
    encoderDims = try c.decodeIfPresent([Int].self, forKey: .encoderDims)
    encoderDepths = try c.decodeIfPresent([Int].self, forKey: .encoderDepths)
    embedDim = try c.decodeIfPresent(Int.self, forKey: .embedDim)
    validateEvery = try value(.validateEvery, 1)
    valBatch = try c.decodeIfPresent(Int.self, forKey: .valBatch)
    keepBest = try value(.keepBest, 1)
    seed = try value(.seed, 0)
    workers = try value(.workers, 2)
    threads = try value(.threads, 0)
    bf16 = try value(.bf16, false)
    accumulate = try value(.accumulate, 1)
    maxSteps = try value(.maxSteps, 0)
    maxValImages = try value(.maxValImages, 0)
    clipGradNorm = try c.decodeIfPresent(Double.self, forKey: .clipGradNorm)
    progress = try value(.progress, true)
  }

  /// Reads `path` and applies `overrides` ("key=value", the value read as YAML).
  /// Relative `data`/`imagenet` paths are resolved against the config file's folder.
  public static func load(path: String, overrides: [String] = []) throws -> TrainingConfig {
    try ConfigFile.load(
      TrainingConfig.self, path: path, overrides: overrides, isKey: { CodingKeys(stringValue: $0) != nil },
      pathKeys: ["data", "imagenet"])
  }


  /// The settings as a flat YAML-compatible JSON object (recorded next to checkpoints).
  public func json() throws -> String { try ConfigFile.json(self) }
}

/// A training run that cannot go on.
public enum TrainingError: Error, CustomStringConvertible {
  case config(path: String, String)
  case nonFiniteLoss(step: Int, epoch: Int, terms: String, lastCheckpoint: String?)
  case resume(path: String, String)

  public var description: String {
    switch self {
    case .config(let path, let message): return "\(path): \(message)"
    case .nonFiniteLoss(let step, let epoch, let terms, let last):
      return "the loss is not finite at step \(step) (epoch \(epoch)): \(terms); stopped. "
        + (last.map { "The last good checkpoint is \($0)." } ?? "No checkpoint was written yet.")
    case .resume(let path, let message): return "cannot resume from \(path): \(message)"
    }
  }
}
