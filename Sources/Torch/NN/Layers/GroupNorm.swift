/// `nn.GroupNorm` on `[N, C, *]`. Keys: `weight` `[C]`, `bias` `[C]`.
public final class GroupNorm: Module, UnaryLayer {
  public let weight: Tensor?
  public let bias: Tensor?
  public let groups: Int
  public let eps: Double

  public init(groups: Int, channels: Int, eps: Double = 1e-5, affine: Bool = true) throws {
    guard groups > 0, channels % groups == 0 else {
      throw TorchError.invalidArgument("GroupNorm: \(channels) channels are not divisible by \(groups) groups")
    }
    self.groups = groups
    self.eps = eps
    weight = affine ? try Init.parameter([channels]) : nil
    bias = affine ? try Init.parameter([channels]) : nil
    super.init()
    if let weight { try Init.ones_(weight) }
    if let bias { try Init.zeros_(bias) }
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try Functional.groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps)
  }
}
