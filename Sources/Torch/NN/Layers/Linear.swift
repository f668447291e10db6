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
}
