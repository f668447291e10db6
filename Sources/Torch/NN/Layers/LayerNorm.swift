/// `nn.LayerNorm` over the trailing `normalizedShape` dimensions. Keys: `weight`, `bias`
/// (ones and zeros initially; absent without elementwise affine).
public final class LayerNorm: Module, UnaryLayer {
  public let weight: Tensor?
  public let bias: Tensor?
  public let normalizedShape: [Int]
  public let eps: Double

  public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) throws {
    self.normalizedShape = normalizedShape
    self.eps = eps
    weight = elementwiseAffine ? try Init.parameter(normalizedShape) : nil
    self.bias = elementwiseAffine && bias ? try Init.parameter(normalizedShape) : nil
    super.init()
    if let weight { try Init.ones_(weight) }
    if let b = self.bias { try Init.zeros_(b) }
  }

  public convenience init(_ features: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) throws {
    try self.init([features], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias)
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try Functional.layerNorm(x, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
  }
}
