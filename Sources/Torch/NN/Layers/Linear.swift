import CTorch

/// `nn.Linear`: y = x Wᵀ + b on `[*, in]` → `[*, out]`. Keys: `weight` `[out, in]`, `bias` `[out]`.
public final class Linear: Module, UnaryLayer {
  public let weight: Tensor
  public let bias: Tensor?

  /// PyTorch's initialisation: weight kaiming-uniform (a = √5), bias uniform ±1/√in.
  public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) throws {
    weight = try Init.parameter([outFeatures, inFeatures])
    self.bias = bias ? try Init.parameter([outFeatures]) : nil
    super.init()
    try Init.linearDefault_(weight: weight, bias: self.bias)
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try Functional.linear(x, weight: weight, bias: bias)
  }

  /// The layer's graph without its values: a tensor of the output's shape (and autocast's dtype)
  /// whose contents are undefined, and whose gradients are the layer's. For the last layer of a
  /// checkpoint's recomputation (`Torch.checkpoint`'s `recomputing`), where the result only
  /// carries gradients back: the product is not computed. Computes it when no graph is recorded.
  public func backwardOnly(_ x: Tensor) throws -> Tensor {
    try makeTensor("linear") { rs_linear_backward_only($0, x.handle, weight.handle, bias?.handle) }
  }
}
