import RSSegModels

/// How a `Trainer` optimises: AdamW over the task's parameter groups, by default in Lookahead
/// with cosine annealing per epoch from `lr` to `minLR` (BiCoR-Seg, spec §3), or without
/// Lookahead and with polynomial decay per step (LAVT); and how the run runs (`run`, whose
/// `epochs` the config family has resolved).
public struct TrainerOptions: Sendable {
  /// How the learning rate changes.
  public enum Schedule: Sendable, Equatable {
    /// Cosine annealing per epoch from `lr` to `minLR`.
    case cosinePerEpoch
    /// `lr·(1 − step/total)^power` per optimiser step, total = epochs × steps per epoch.
    case polynomialPerStep(power: Double)
  }

  public var run: RunSettings
  public var lr: Double
  public var minLR = 1e-6
  public var weightDecay = 0.01
  public var schedule = Schedule.cosinePerEpoch
  /// Wrap AdamW in Lookahead(k, α).
  public var lookahead = true
  public var lookaheadK = 5
  public var lookaheadAlpha = 0.5

  public init(run: RunSettings, lr: Double) {
    self.run = run
    self.lr = lr
  }

  public init(epochs: Int, lr: Double) { self.init(run: RunSettings(epochs: epochs), lr: lr) }

  /// Passes over the training set (0 when the family left it unresolved: refused by `Trainer`).
  public var epochs: Int { run.epochs ?? 0 }
}
