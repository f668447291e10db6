import CTorch

extension AdamW {
  /// `loss.backward()` and `step()` in one pass: each parameter is updated by the fused kernel
  /// as soon as backward has accumulated its gradient, and that gradient is freed there, so the
  /// gradients of the whole model never exist at once (PyTorch's
  /// `register_post_accumulate_grad_hook` recipe, torchtune's `optimizer_in_bwd`). The update
  /// is the one `step()` makes; afterwards no parameter holds a gradient. It cannot go with
  /// gradient clipping, accumulation over batches or loss scaling: those need every gradient
  /// before the first update.
  public func backwardStep(_ loss: Tensor) throws {
    var params: [Tensor] = [], expAvgs: [Tensor] = [], expAvgSqs: [Tensor] = [], maxSqs: [Tensor?] = []
    var steps: [Tensor] = [], groupOf: [Int64] = [], groups: [rs_adamw_group] = []
    let offsets = core.offsets
    for (g, group) in core.groups.enumerated() {
      let amsgrad = group["amsgrad"]! != 0
      groups.append(rs_adamw_group(
        lr: group.lr, beta1: group["beta1"]!, beta2: group["beta2"]!, weight_decay: group["weight_decay"]!,
        eps: group["eps"]!, amsgrad: amsgrad ? 1 : 0, maximize: group["maximize"]! != 0 ? 1 : 0))
      for (j, p) in group.params.enumerated() where p.requiresGrad {
        guard try fusedAllowed([p]) else {
          throw TorchError.invalidArgument("AdamW.backwardStep: needs floating-point parameters and the fused kernel (not fused: false)")
        }
        let s = try parameterState(offsets[g] + j, p, amsgrad: amsgrad, stepDevice: p.device)
        params.append(p)
        expAvgs.append(s["exp_avg"]!)
        expAvgSqs.append(s["exp_avg_sq"]!)
        maxSqs.append(s["max_exp_avg_sq"])
        steps.append(s["step"]!)
        groupOf.append(Int64(g))
      }
    }
    let maxHandles: [rs_tensor?] = maxSqs.map { $0?.handle }
    try withExtendedLifetime(maxSqs) {
      try withHandles(params) { p, n in
        try withHandles(expAvgs) { m, _ in
          try withHandles(expAvgSqs) { v, _ in
            try withHandles(steps) { s, _ in
              try check(
                rs_adamw_backward(loss.handle, p, m, v, maxHandles, s, groupOf, n, groups, Int64(groups.count)),
                "AdamW.backwardStep")
            }
          }
        }
      }
    }
  }
}
