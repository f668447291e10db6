import CTorch

/// `torch.optim.AdamW`: Adam with decoupled weight decay.
///
/// Per step t, for each parameter p with gradient g:
/// p ← p·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
/// Group options: `lr`, `beta1`, `beta2`, `eps`, `weight_decay`, `amsgrad`, `maximize`.
/// State per parameter: `exp_avg`, `exp_avg_sq`, `step` (and `max_exp_avg_sq` with amsgrad).
public final class AdamW: Optimizer {
  var core: OptimizerCore
  /// Run libtorch's fused kernel: nil = whenever a group's parameters are floating point on one
  /// device; true = always (an error otherwise); false = never (the single-tensor algorithm).
  public let fused: Bool?

  public var paramGroups: [ParamGroup] {
    get { core.groups }
    set { core.groups = newValue }
  }

  public convenience init(
    _ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
    weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false, fused: Bool? = nil
  ) throws {
    try self.init(groups: [ParamGroup(params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                  amsgrad: amsgrad, maximize: maximize, fused: fused)
  }

  /// Several groups; the arguments are the defaults for options a group leaves out.
  public init(
    groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
    weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false, fused: Bool? = nil
  ) throws {
    let defaults = [
      "lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
      "amsgrad": amsgrad ? 1 : 0, "maximize": maximize ? 1 : 0,
    ]
    core = try OptimizerCore(kind: "AdamW", groups: groups, defaults: defaults)
    self.fused = fused
    for group in core.groups {
      guard group.lr >= 0, group["eps"]! >= 0, (0..<1).contains(group["beta1"]!), (0..<1).contains(group["beta2"]!) else {
        throw TorchError.invalidArgument("AdamW: invalid hyper-parameters \(group.options)")
      }
    }
  }

  public func step() throws {
    let offsets = core.offsets
    for (g, group) in core.groups.enumerated() {
      var params: [Tensor] = [], grads: [Tensor] = [], indices: [Int] = []
      for (j, p) in group.params.enumerated() {
        guard let grad = p.grad else { continue }
        params.append(p)
        grads.append(grad)
        indices.append(offsets[g] + j)
      }
      if params.isEmpty { continue }
      let useFused = try fusedAllowed(params)
      let amsgrad = group["amsgrad"]! != 0
      var expAvgs: [Tensor] = [], expAvgSqs: [Tensor] = [], maxSqs: [Tensor] = [], steps: [Tensor] = []
      for (p, index) in zip(params, indices) {
        let s = try parameterState(index, p, amsgrad: amsgrad, stepDevice: useFused ? p.device : .cpu)
        expAvgs.append(s["exp_avg"]!)
        expAvgSqs.append(s["exp_avg_sq"]!)
        steps.append(s["step"]!)
        if amsgrad { maxSqs.append(s["max_exp_avg_sq"]!) }
      }
      try withHandles(params) { p, n in
        try withHandles(grads) { gr, _ in
          try withHandles(expAvgs) { m, _ in
            try withHandles(expAvgSqs) { v, _ in
              try withHandles(maxSqs) { vmax, _ in
                try withHandles(steps) { s, _ in
                  try check(
                    rs_adamw_step(p, gr, m, v, amsgrad ? vmax : nil, s, n, group.lr, group["beta1"]!, group["beta2"]!,
                                  group["weight_decay"]!, group["eps"]!, amsgrad ? 1 : 0, group["maximize"]! != 0 ? 1 : 0,
                                  useFused ? 1 : 0), "AdamW.step")
                }
              }
            }
          }
        }
      }
    }
  }

  func fusedAllowed(_ params: [Tensor]) throws -> Bool {
    let device = params[0].device
    let eligible = params.allSatisfy { $0.device == device && $0.dtype.isFloatingPoint }
    if fused == true && !eligible {
      throw TorchError.invalidArgument("AdamW: fused needs floating-point parameters on one device")
    }
    return fused ?? true ? eligible : false
  }

  /// The state of parameter `index`, created on first use; step counters follow `stepDevice`.
  func parameterState(_ index: Int, _ p: Tensor, amsgrad: Bool, stepDevice: Device) throws -> [String: Tensor] {
    var s = core.state[index] ?? [:]
    if s.isEmpty {
      s["step"] = try Tensor.zeros([], dtype: .float32, device: stepDevice)
      s["exp_avg"] = try Tensor.zeros(p.shape, dtype: p.dtype, device: p.device)
      s["exp_avg_sq"] = try Tensor.zeros(p.shape, dtype: p.dtype, device: p.device)
    }
    if amsgrad && s["max_exp_avg_sq"] == nil {
      s["max_exp_avg_sq"] = try Tensor.zeros(p.shape, dtype: p.dtype, device: p.device)
    }
    if s["step"]!.device != stepDevice { s["step"] = try s["step"]!.to(stepDevice) }
    core.state[index] = s
    return s
  }

  public func stateDict() throws -> OptimizerState { core.save() }

  public func loadStateDict(_ state: OptimizerState) throws {
    try core.load(state) { [fused] p in fused == false ? .cpu : p.device }
  }
}
