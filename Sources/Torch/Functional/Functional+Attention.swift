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
}
