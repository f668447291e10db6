/// Channels-first layer norm (torchvision ConvNeXt's `LayerNorm2d`): on `[N, C, H, W]`,
/// normalises each pixel's C values. Keys: `weight` `[C]`, `bias` `[C]`. The default eps is
/// torchvision's (1e-5); ConvNeXt builds it with eps 1e-6.
public final class LayerNorm2d: Module, UnaryLayer {
  public let weight: Tensor
  public let bias: Tensor
  public let eps: Double

  public init(_ channels: Int, eps: Double = 1e-5) throws {
    self.eps = eps
    weight = try Init.parameter([channels])
    bias = try Init.parameter([channels])
    super.init()
    try Init.ones_(weight)
    try Init.zeros_(bias)
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == 4 else { throw TorchError.invalidArgument("LayerNorm2d: expected [N, C, H, W], got \(x.shape)") }
    let channelsLast = try x.permute([0, 2, 3, 1])
    let y = try Functional.layerNorm(channelsLast, normalizedShape: [weight.count], weight: weight, bias: bias, eps: eps)
    return try y.permute([0, 3, 1, 2])
  }
}
