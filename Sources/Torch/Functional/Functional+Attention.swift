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

  /// Swin's window attention before `proj`: for every window and head,
  /// `softmax(scale · q·kᵀ + bias + mask) · v`. On the CPU in float32 the weights take one pass
  /// each way (the bias gradient summed over the windows in the same pass); where libtorch's
  /// float32 products are MKL's (`Torch.cpuProductsOnOneDNN` false), the products read q, k and
  /// v from `qkv`'s rows and write the result's rows without copies.
  ///
  /// - Parameters:
  ///   - qkv: `[windows, n, 3C]`, each token's q, k and v, each `[heads, C / heads]`.
  ///   - bias: `[heads, n, n]`, added to every window's scores.
  ///   - mask: `[M, n, n]` added to window w's scores as block w mod M (the shifted windows' mask
  ///     of every image), or nil.
  /// - Returns: `[windows, n, C]`, the heads' results side by side.
  public static func windowAttention(_ qkv: Tensor, heads: Int, bias: Tensor, mask: Tensor?, scale: Double) throws -> Tensor {
    try makeTensor("window_attention") { rs_window_attention($0, qkv.handle, bias.handle, mask?.handle, Int64(heads), scale) }
  }
}
