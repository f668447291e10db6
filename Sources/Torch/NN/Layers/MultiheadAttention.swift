import CTorch

/// `nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, batch_first)` with equal
/// query/key/value widths. Keys: `in_proj_weight` `[3E, E]`, `in_proj_bias` `[3E]`,
/// `out_proj.weight` `[E, E]`, `out_proj.bias` `[E]`.
///
/// Inputs are `[L, N, E]` (or `[N, L, E]` with `batchFirst`); attention weights are not returned.
public final class MultiheadAttention: Module {
  @ParameterInfo(key: "in_proj_weight") public var inProjWeight: Tensor
  @ParameterInfo(key: "in_proj_bias") public var inProjBias: Tensor?
  @ModuleInfo(key: "out_proj") public var outProj: Linear
  public let numHeads: Int
  public let dropout: Double
  public let batchFirst: Bool

  /// PyTorch's initialisation: in_proj_weight xavier-uniform, both biases zero, out_proj.weight
  /// as a Linear.
  public init(embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, batchFirst: Bool = false) throws {
    guard numHeads > 0, embedDim % numHeads == 0 else {
      throw TorchError.invalidArgument("MultiheadAttention: embed_dim \(embedDim) is not divisible by num_heads \(numHeads)")
    }
    let weight = try Init.parameter([3 * embedDim, embedDim])
    let inBias = bias ? try Init.parameter([3 * embedDim]) : nil
    let out = try Linear(embedDim, embedDim, bias: bias)
    _inProjWeight.wrappedValue = weight
    _inProjBias.wrappedValue = inBias
    _outProj.wrappedValue = out
    self.numHeads = numHeads
    self.dropout = dropout
    self.batchFirst = batchFirst
    super.init()
    try Init.xavierUniform_(weight)
    if let inBias { try Init.zeros_(inBias) }
    if let b = out.bias { try Init.zeros_(b) }
  }

  /// - Parameters:
  ///   - keyPaddingMask: `[N, S]`; bool true (or a float added to the scores) marks keys to ignore.
  ///   - attnMask: `[L, S]` or `[N·heads, L, S]`; bool true marks pairs that may *not* attend.
  public func callAsFunction(
    _ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil, attnMask: Tensor? = nil
  ) throws -> Tensor {
    try makeTensor("multi_head_attention") {
      rs_multi_head_attention(
        $0, query.handle, key.handle, value.handle, Int64(numHeads), inProjWeight.handle, inProjBias?.handle,
        outProj.weight.handle, outProj.bias?.handle, keyPaddingMask?.handle, attnMask?.handle, dropout,
        training ? 1 : 0, batchFirst ? 1 : 0)
    }
  }
}
