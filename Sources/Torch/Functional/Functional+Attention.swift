import CTorch

extension Functional {
  /// `F.scaled_dot_product_attention`: q `[…, L, E]`, k `[…, S, E]`, v `[…, S, Ev]` → `[…, L, Ev]`.
  ///
  /// - Parameters:
  ///   - attnMask: bool (true = *take part* in attention) or float (added to the scores),
  ///     broadcastable to `[…, L, S]`.
  ///   - dropoutP: dropout on the attention weights (pass 0 in evaluation).
  ///   - isCausal: a lower-triangular mask; not combinable with `attnMask`.
  ///   - scale: defaults to 1/sqrt(E).
  public static func scaledDotProductAttention(
    _ q: Tensor, _ k: Tensor, _ v: Tensor, attnMask: Tensor? = nil, dropoutP: Double = 0,
    isCausal: Bool = false, scale: Double? = nil
  ) throws -> Tensor {
    try makeTensor("scaled_dot_product_attention") {
      rs_scaled_dot_product_attention($0, q.handle, k.handle, v.handle, attnMask?.handle, dropoutP,
                                      isCausal ? 1 : 0, scale ?? 0, scale == nil ? 0 : 1)
    }
  }

  /// Swin's window-attention weights: softmax over the last dimension of
  /// `scale · scores + bias + mask`, in one pass each way on the CPU in float32 (the bias gradient
  /// summed over the windows in the same pass).
  ///
  /// - Parameters:
  ///   - scores: `[windows, heads, n, n]`, q·kᵀ of each window and head.
  ///   - bias: `[heads, n, n]`, added to every window's scores.
  ///   - mask: `[M, n, n]` added to window w's scores as block w mod M (the shifted windows' mask
  ///     of every image), or nil.
  public static func windowSoftmax(_ scores: Tensor, bias: Tensor, mask: Tensor?, scale: Double) throws -> Tensor {
    try makeTensor("window_softmax") { rs_window_softmax($0, scores.handle, bias.handle, mask?.handle, scale) }
  }
}
