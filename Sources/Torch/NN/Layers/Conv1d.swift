/// `nn.Conv1d` on `[N, C, L]`. Keys: `weight` `[out, in/groups, k]`, `bias` `[out]`.
public final class Conv1d: Module, UnaryLayer {
  public let weight: Tensor
  public let bias: Tensor?
  public let stride: Int
  public let padding: ConvPadding
  public let dilation: Int
  public let groups: Int

  /// PyTorch's initialisation: weight kaiming-uniform (a = √5), bias uniform ±1/√fan_in.
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: ConvPadding = 0,
    dilation: Int = 1, groups: Int = 1, bias: Bool = true
  ) throws {
    guard groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
      throw TorchError.invalidArgument("Conv1d: channels \(inChannels)→\(outChannels) are not divisible by groups \(groups)")
    }
    weight = try Init.parameter([outChannels, inChannels / groups, kernelSize])
    self.bias = bias ? try Init.parameter([outChannels]) : nil
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
    super.init()
    try Init.linearDefault_(weight: weight, bias: self.bias)
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try Functional.conv1d(
      x, weight: weight, bias: bias, stride: SpatialSize([stride]), padding: padding,
      dilation: SpatialSize([dilation]), groups: groups)
  }
}
