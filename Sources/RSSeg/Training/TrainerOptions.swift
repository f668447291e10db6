/// How a `Trainer` optimises: AdamW (one parameter group) in Lookahead, cosine annealing per
/// epoch from `lr` to `minLR` (spec §3), plus run mechanics.
public struct TrainerOptions: Sendable {
  public var epochs: Int
  public var lr: Double
  public var minLR = 1e-6
  public var weightDecay = 0.01
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
