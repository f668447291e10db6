/// How a `Trainer` optimises: AdamW over the task's parameter groups, by default in Lookahead
/// with cosine annealing per epoch from `lr` to `minLR` (BiCoR-Seg, spec §3), or without
/// Lookahead and with polynomial decay per step (LAVT), plus run mechanics.
public struct TrainerOptions: Sendable {
  /// How the learning rate changes.
  public enum Schedule: Sendable, Equatable {
    /// Cosine annealing per epoch from `lr` to `minLR`.
    case cosinePerEpoch
    /// `lr·(1 − step/total)^power` per optimiser step, total = epochs × steps per epoch.
    case polynomialPerStep(power: Double)
  }

  public var epochs: Int
  public var lr: Double
  public var minLR = 1e-6
  public var weightDecay = 0.01
  public var schedule = Schedule.cosinePerEpoch
  /// Wrap AdamW in Lookahead(k, α).
  public var lookahead = true
  public var lookaheadK = 5
  public var lookaheadAlpha = 0.5
  /// Batches accumulated per optimiser step.
  public var accumulate = 1
  public var bf16 = false
  public var seed: UInt64 = 0
  public var validateEvery = 1
  /// Best checkpoints kept besides the last.
  public var keepBest = 1
  /// Stop (with a resumable checkpoint) after this many optimiser steps in total; 0 = no limit.
  public var maxSteps = 0
  public var clipGradNorm: Double?
  public var progress = true

  public init(epochs: Int, lr: Double) {
    self.epochs = epochs
    self.lr = lr
  }
}
