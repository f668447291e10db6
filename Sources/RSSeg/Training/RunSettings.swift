import RSSegModels
import Torch

/// How a training run runs, whatever it trains: the settings both config families
/// (`SegmentationTrainingConfig`, `ReferringTrainingConfig`) share and `TrainerOptions` wraps.
/// In a config file they are top-level keys beside the family's own. A nil size takes the
/// family's recipe (the dataset preset's, or LAVT's).
public struct RunSettings: Codable, Equatable, Sendable {
  /// Passes over the training set.
  public var epochs: Int?
  /// Samples per batch (per process in a data-parallel run).
  public var batchSize: Int?
  /// Batches accumulated per optimiser step.
  public var accumulate = 1
  /// Stop after this many optimiser steps in total (0 = run every epoch); for short runs. It
  /// applies to one invocation: the run folder's saved settings do not keep it.
  public var maxSteps = 0
  /// Validate every this many epochs (and after the last).
  public var validateEvery = 1
  /// Samples per validation batch.
  public var valBatch: Int?
  /// Best checkpoints kept (by the task's monitor metric) besides the last one.
  public var keepBest = 1
  public var seed: UInt64 = 0
  /// Threads preparing batches.
  public var workers = 2
  /// libtorch intra-op threads (0 leaves libtorch's default).
  public var threads = 0
  /// Where the network, its optimiser state and the batches live: auto (`cuda:LOCAL_RANK` when
  /// a CUDA device is present, else the CPU), cpu, cuda or cuda:N.
  public var device = DeviceChoice.auto
  /// fp32; bf16 or fp16 autocast for forward and loss (fp16 with dynamic loss scaling); or auto
  /// (bf16 where the device has native bf16, else fp32).
  public var precision = Precision.fp32
  /// On CUDA: deterministic cuDNN algorithms (`torch.backends.cudnn.deterministic = True`,
  /// benchmark off), so that two runs of one seed give the same weights; otherwise cuDNN times
  /// its algorithms per shape and keeps the fastest (benchmark on), which may differ run to run.
  /// The CPU path is deterministic either way.
  public var deterministic = false
  public var clipGradNorm: Double?
  /// Update each parameter inside backward as soon as its gradient is complete, and free that
  /// gradient (`AdamW.backwardStep`): the same update in less memory. Not with `accumulate` > 1,
  /// `clip_grad_norm`, fp16, Lookahead or several processes, which need every gradient first.
  public var optimizerInBackward = false
  /// Show a progress bar and per-epoch lines.
  public var progress = true

  public init(epochs: Int? = nil, batchSize: Int? = nil, valBatch: Int? = nil) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.valBatch = valBatch
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case epochs, accumulate, seed, workers, threads, device, precision, deterministic, progress
    case batchSize = "batch_size", maxSteps = "max_steps", validateEvery = "validate_every", valBatch = "val_batch"
    case keepBest = "keep_best", clipGradNorm = "clip_grad_norm", optimizerInBackward = "optimizer_in_backward"
  }

  /// Checks what every run needs, naming the config `path`.
  func validate(path: String) throws {
    for (key, value) in [("epochs", epochs), ("batch_size", batchSize), ("val_batch", valBatch)] {
      if let value, value < 1 { throw TrainingError.config(path: path, "\(key) must be ≥ 1, not \(value)") }
    }
    for (key, value) in [("accumulate", accumulate), ("validate_every", validateEvery), ("workers", workers)] where value < 1 {
      throw TrainingError.config(path: path, "\(key) must be ≥ 1, not \(value)")
    }
    for (key, value) in [("max_steps", maxSteps), ("keep_best", keepBest), ("threads", threads)] where value < 0 {
      throw TrainingError.config(path: path, "\(key) must be ≥ 0, not \(value)")
    }
  }
}
