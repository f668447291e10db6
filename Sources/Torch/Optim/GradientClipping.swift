import CTorch

/// Optimisation helpers without state (`torch.nn.utils`).
public enum Optim {
  /// `clip_grad_norm_`: scales the gradients of `parameters` in place so that their combined
  /// `normType` norm is at most `maxNorm` (coefficient maxNorm/(norm + 1e-6), capped at 1).
  /// Parameters without a gradient are skipped.
  /// - Returns: the total norm before clipping (a 0-dim tensor).
  @discardableResult
  public static func clipGradNorm(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) throws -> Tensor {
    let grads = parameters.compactMap(\.grad)
    return try withHandles(grads) { g, n in
      try makeTensor("clip_grad_norm_") { rs_clip_grad_norm($0, g, n, maxNorm, normType) }
    }
  }

  /// `clip_grad_value_`: clamps every gradient element to [-clipValue, clipValue].
  public static func clipGradValue(_ parameters: [Tensor], clipValue: Double) throws {
    let grads = parameters.compactMap(\.grad)
    try withHandles(grads) { g, n in try check(rs_clip_grad_value(g, n, clipValue), "clip_grad_value_") }
  }
}
