import CTorch

/// `torch.optim.SGD` with momentum, dampening, Nesterov momentum and (coupled) weight decay:
/// g ← g + λp; b ← μb + (1−τ)g (b = g on the first step); g ← g + μb (Nesterov) or b;
/// p ← p − lr·g.
/// Group options: `lr`, `momentum`, `dampening`, `weight_decay`, `nesterov`, `maximize`.
/// State per parameter: `momentum_buffer`.
public final class SGD: Optimizer {
  private var core: OptimizerCore

  public var paramGroups: [ParamGroup] {
    get { core.groups }
    set { core.groups = newValue }
  }

  public convenience init(
    _ params: [Tensor], lr: Double, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
    nesterov: Bool = false, maximize: Bool = false
  ) throws {
    try self.init(groups: [ParamGroup(params)], lr: lr, momentum: momentum, dampening: dampening,
                  weightDecay: weightDecay, nesterov: nesterov, maximize: maximize)
  }

  /// Several groups; the arguments are the defaults for options a group leaves out.
  public init(
    groups: [ParamGroup], lr: Double, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
    nesterov: Bool = false, maximize: Bool = false
  ) throws {
    let defaults = [
      "lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weightDecay,
      "nesterov": nesterov ? 1 : 0, "maximize": maximize ? 1 : 0,
    ]
    core = try OptimizerCore(kind: "SGD", groups: groups, defaults: defaults)
    for group in core.groups {
      guard group.lr >= 0, group["momentum"]! >= 0, group["weight_decay"]! >= 0 else {
        throw TorchError.invalidArgument("SGD: invalid hyper-parameters \(group.options)")
      }
      if group["nesterov"]! != 0 && (group["momentum"]! <= 0 || group["dampening"]! != 0) {
        throw TorchError.invalidArgument("SGD: Nesterov momentum requires a momentum and zero dampening")
      }
    }
  }

  public func step() throws {
    let offsets = core.offsets
    for (g, group) in core.groups.enumerated() {
      for (j, p) in group.params.enumerated() {
        guard let grad = p.grad else { continue }
        let index = offsets[g] + j
        let buffer = core.state[index]?["momentum_buffer"]
        var created: rs_tensor?
        try check(
          rs_sgd_step(p.handle, grad.handle, buffer?.handle, &created, group.lr, group["momentum"]!,
                      group["dampening"]!, group["weight_decay"]!, group["nesterov"]! != 0 ? 1 : 0,
                      group["maximize"]! != 0 ? 1 : 0), "SGD.step")
        if let created { core.state[index] = ["momentum_buffer": Tensor(handle: created)] }
      }
    }
  }

  public func stateDict() throws -> OptimizerState { core.save() }

  public func loadStateDict(_ state: OptimizerState) throws {
    try core.load(state) { $0.device }
  }
}
