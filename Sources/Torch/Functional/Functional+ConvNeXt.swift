import CTorch

extension Functional {
  /// torchvision's ConvNeXt block on `x` [B, C, H, W]: `x + dropPath(γ ⊙ fc2(gelu(fc1(
  /// norm(dwconv(x))))))`, with `norm` over channels and γ [C, 1, 1].
  ///
  /// While autograd records (outside autocast) the block is one graph node that keeps only `x`
  /// and the 4C-wide hidden layer for backward, 5 values per pixel and channel instead of the
  /// separate operations' 12, recomputing the depthwise convolution, LayerNorm and GELU there
  /// (no extra matrix products). Results and gradients equal the separate operations'.
  public static func convNeXtBlock(
    _ x: Tensor, dwconv: (weight: Tensor, bias: Tensor), norm: (weight: Tensor, bias: Tensor, eps: Double),
    fc1: (weight: Tensor, bias: Tensor), fc2: (weight: Tensor, bias: Tensor), layerScale: Tensor,
    dropPath: Double, training: Bool
  ) throws -> Tensor {
    try makeTensor("convnext_block") {
      rs_convnext_block(
        $0, x.handle, dwconv.weight.handle, dwconv.bias.handle, norm.weight.handle, norm.bias.handle, norm.eps,
        fc1.weight.handle, fc1.bias.handle, fc2.weight.handle, fc2.bias.handle, layerScale.handle, dropPath,
        training ? 1 : 0)
    }
  }
}
