/// Lookahead (Zhang et al. 2019) around another optimiser, as the BiCoR-Seg reference uses it
/// (catalyst's `Lookahead`, also torch_optimizer's): after the inner step, on the first step
/// and then every `k` steps, each parameter's slow copy moves toward it,
/// `slow ← slow + α·(fast − slow)`, and the parameter is reset to it, `fast ← slow`.
/// A slow copy starts as the parameter itself at its first synchronisation, so the first one
/// leaves the parameters unchanged.
public final class Lookahead: Optimizer {
  public let base: any Optimizer
  public let k: Int
  public let alpha: Double
  /// Steps since the last synchronisation, per group (0 = synchronise after the next step).
  private var counters: [Int]
  /// Slow weights by flat parameter index.
  private var slow: [Int: Tensor] = [:]

  public init(_ base: any Optimizer, k: Int = 5, alpha: Double = 0.5) throws {
    guard k >= 1, (0...1).contains(alpha) else {
      throw TorchError.invalidArgument("Lookahead: need k ≥ 1 and α in [0, 1], got k \(k), α \(alpha)")
    }
    self.base = base
    self.k = k
    self.alpha = alpha
    counters = Array(repeating: 0, count: base.paramGroups.count)
  }

  public var paramGroups: [ParamGroup] {
    get { base.paramGroups }
    set { base.paramGroups = newValue }
  }

  public func step() throws {
    try base.step()
    var offset = 0
    for (g, group) in base.paramGroups.enumerated() {
      if counters[g] == 0 { try synchronise(group.params, offset: offset) }
      counters[g] += 1
      if counters[g] >= k { counters[g] = 0 }
      offset += group.params.count
    }
  }

  private func synchronise(_ params: [Tensor], offset: Int) throws {
    try Torch.withNoGrad {
      for (j, fast) in params.enumerated() {
        let s: Tensor
        if let existing = slow[offset + j] {
          s = existing
        } else {
          s = try fast.detach().clone()
          slow[offset + j] = s
        }
        try s.add_(try (fast - s) * alpha)
        try fast.copy_(s)
      }
    }
  }

  /// The inner optimiser's state plus `lookahead.*` metadata and `slow_state.<i>.slow_param`.
  public func stateDict() throws -> OptimizerState {
    var out = try base.stateDict()
    out.metadata["lookahead.k"] = String(k)
    out.metadata["lookahead.alpha"] = String(alpha)
    for (g, c) in counters.enumerated() { out.metadata["lookahead.counter.\(g)"] = String(c) }
    for (index, tensor) in slow { out.tensors["slow_state.\(index).slow_param"] = tensor }
    return out
  }

  public func loadStateDict(_ state: OptimizerState) throws {
    var inner = state
    var newSlow: [Int: Tensor] = [:]
    let params = base.paramGroups.flatMap(\.params)
    for (key, tensor) in state.tensors where key.hasPrefix("slow_state.") {
      inner.tensors[key] = nil
      let parts = key.split(separator: ".")
      guard parts.count == 3, parts[2] == "slow_param", let index = Int(parts[1]), params.indices.contains(index),
        tensor.shape == params[index].shape
      else { throw TorchError.invalidArgument("Lookahead: unexpected state key '\(key)' \(tensor.shape)") }
      newSlow[index] = try tensor.to(params[index].device, dtype: params[index].dtype).clone()
    }
    let newCounters = try counters.indices.map { g -> Int in
      guard let text = state.metadata["lookahead.counter.\(g)"], let c = Int(text) else {
        throw TorchError.invalidArgument("Lookahead: saved state lacks the counter of group \(g)")
      }
      return c
    }
    try base.loadStateDict(inner)
    counters = newCounters
    slow = newSlow
  }
}
