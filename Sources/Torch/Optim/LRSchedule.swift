import Foundation

/// A learning-rate schedule as a pure function of the step count (epochs or iterations, as the
/// caller steps it) and a group's base learning rate.
public protocol LRSchedule: Sendable {
  func lr(at step: Int, base: Double) -> Double
}

/// `CosineAnnealingLR(T_max, eta_min)` in closed form:
/// ηₜ = η_min + (base − η_min)·(1 + cos(π·t/T_max))/2 (periodic past T_max, like PyTorch's).
public struct CosineAnnealing: LRSchedule {
  public let tMax: Int
  public let etaMin: Double

  public init(tMax: Int, etaMin: Double = 0) {
    self.tMax = tMax
    self.etaMin = etaMin
  }

  public func lr(at step: Int, base: Double) -> Double {
    etaMin + (base - etaMin) * (1 + cos(Double.pi * Double(step) / Double(max(tMax, 1)))) / 2
  }
}

/// Polynomial decay (`PolynomialLR(total_iters, power)`, mmseg's `PolyLR` with `minLR`):
/// ηₜ = (base − min)·(1 − min(t, T)/T)^power + min.
public struct PolynomialDecay: LRSchedule {
  public let totalSteps: Int
  public let power: Double
  public let minLR: Double

  public init(totalSteps: Int, power: Double = 1, minLR: Double = 0) {
    self.totalSteps = totalSteps
    self.power = power
    self.minLR = minLR
  }

  public func lr(at step: Int, base: Double) -> Double {
    let t = Double(min(max(step, 0), totalSteps)) / Double(max(totalSteps, 1))
    return (base - minLR) * pow(1 - t, power) + minLR
  }
}

/// Constant learning rate (the base).
public struct ConstantLR: LRSchedule {
  public init() {}
  public func lr(at step: Int, base: Double) -> Double { base }
}

/// Linear warm-up followed by another schedule (`SequentialLR([LinearLR(start_factor,
/// total_iters=warmupSteps), then], milestones=[warmupSteps])`): for t < warmupSteps the rate is
/// base·(startFactor + (1 − startFactor)·t/warmupSteps); afterwards `then` runs from its own
/// step 0, i.e. `then.lr(at: t − warmupSteps)`.
public struct LinearWarmup: LRSchedule {
  public let warmupSteps: Int
  public let startFactor: Double
  public let then: any LRSchedule

  public init(warmupSteps: Int, startFactor: Double = 1e-3, then: any LRSchedule = ConstantLR()) {
    self.warmupSteps = warmupSteps
    self.startFactor = startFactor
    self.then = then
  }

  public func lr(at step: Int, base: Double) -> Double {
    guard step < warmupSteps else { return then.lr(at: step - warmupSteps, base: base) }
    return base * (startFactor + (1 - startFactor) * Double(step) / Double(warmupSteps))
  }
}
