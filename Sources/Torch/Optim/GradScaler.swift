/// Dynamic loss scaling for float16 autocast training (`torch.amp.GradScaler`): the loss is
/// multiplied by `scale` before backward so that small float16 gradients do not flush to zero;
/// the gradients are divided back before clipping and the step. A step whose gradients hold an
/// inf or NaN is skipped and the scale backs off; after `growthInterval` clean steps in a row it
/// grows. Its state (`stateDict`, PyTorch's key names) belongs in checkpoints, so that a resumed
/// run scales exactly as the uninterrupted one.
public final class GradScaler {
  public private(set) var scale: Double
  public let growthFactor: Double
  public let backoffFactor: Double
  public let growthInterval: Int
  /// Clean steps since the scale last changed.
  public private(set) var growthTracker = 0
  /// Whether the gradients last unscaled held an inf or NaN.
  public private(set) var foundNonFinite = false
  /// Steps skipped so far (for logs).
  public private(set) var skippedSteps = 0

  public init(initialScale: Double = 65536, growthFactor: Double = 2, backoffFactor: Double = 0.5, growthInterval: Int = 2000) throws {
    guard initialScale > 0, growthFactor > 1, backoffFactor > 0, backoffFactor < 1, growthInterval > 0 else {
      throw TorchError.invalidArgument(
        "GradScaler: the scale must be positive, growth > 1, 0 < backoff < 1 and the interval ≥ 1")
    }
    scale = initialScale
    self.growthFactor = growthFactor
    self.backoffFactor = backoffFactor
    self.growthInterval = growthInterval
  }

  /// `loss × scale`, to call backward on.
  public func scaled(_ loss: Tensor) throws -> Tensor { try loss * scale }

  /// Divides every gradient of `parameters` by the scale in place and records whether any is
  /// not finite (one host synchronisation for all of them).
  public func unscale(_ parameters: [Tensor]) throws {
    let grads = parameters.compactMap(\.grad)
    guard !grads.isEmpty else {
      foundNonFinite = false
      return
    }
    let inverse = 1 / scale
    for g in grads { try g.mul_(.float(inverse)) }
    // A sum is finite exactly when every addend is (finite fp32 gradients do not overflow it).
    let sums = try Tensor.stack(grads.map { try $0.sum(dtype: .float32) }, dim: 0)
    foundNonFinite = !(try sums.sum().double().isFinite)
  }

  /// Runs `optimizer.step()` unless the last `unscale` found a non-finite gradient, then
  /// updates the scale. Returns whether the step ran.
  @discardableResult
  public func step(_ optimizer: any Optimizer) throws -> Bool {
    if foundNonFinite {
      skippedSteps += 1
      scale *= backoffFactor
      growthTracker = 0
      return false
    }
    try optimizer.step()
    growthTracker += 1
    if growthTracker == growthInterval {
      scale *= growthFactor
      growthTracker = 0
    }
    return true
  }

  /// PyTorch's `GradScaler.state_dict()` keys and values.
  public func stateDict() -> [String: String] {
    [
      "scale": String(scale), "growth_factor": String(growthFactor), "backoff_factor": String(backoffFactor),
      "growth_interval": String(growthInterval), "_growth_tracker": String(growthTracker),
    ]
  }

  /// Restores `stateDict()`'s scale and tracker (the factors stay as constructed).
  public func loadStateDict(_ state: [String: String]) throws {
    guard let scale = state["scale"].flatMap(Double.init), scale > 0, let tracker = state["_growth_tracker"].flatMap(Int.init) else {
      throw TorchError.invalidArgument("GradScaler: the state lacks a positive 'scale' or '_growth_tracker'")
    }
    self.scale = scale
    growthTracker = tracker
  }
}
