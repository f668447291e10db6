/// `nn.Conv2d` on `[N, C, H, W]`. Keys: `weight` `[out, in/groups, kh, kw]`, `bias` `[out]`.
public final class Conv2d: Module, UnaryLayer {
  public let weight: Tensor
  public let bias: Tensor?
  public let stride: SpatialSize
  public let padding: ConvPadding
  public let dilation: SpatialSize
  public let groups: Int

  /// PyTorch's initialisation: weight kaiming-uniform (a = √5), bias uniform ±1/√fan_in.
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: SpatialSize, stride: SpatialSize = 1,
    padding: ConvPadding = 0, dilation: SpatialSize = 1, groups: Int = 1, bias: Bool = true
  ) throws {
    guard groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
      throw TorchError.invalidArgument("Conv2d: channels \(inChannels)→\(outChannels) are not divisible by groups \(groups)")
    }
    let k = try kernelSize.expanded(2, "Conv2d kernel size")
    weight = try Init.parameter([outChannels, inChannels / groups] + k)
    self.bias = bias ? try Init.parameter([outChannels]) : nil
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
    super.init()
    try Init.linearDefault_(weight: weight, bias: self.bias)
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try Functional.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
  }
}
