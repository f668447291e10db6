import Torch

/// torchvision's `CNBlock`: depthwise 7×7 conv → LayerNorm → Linear C→4C → GELU → Linear 4C→C,
/// scaled per channel by `layer_scale`, dropped per sample by stochastic depth, plus the input.
/// It runs as one fused operation (`Functional.convNeXtBlock`), which in training keeps less than
/// half the activations of the separate layers for backward.
///
/// Keys: `block.0` (dwconv), `block.2` (LayerNorm), `block.3`, `block.5` (Linear), `layer_scale`
/// ([C, 1, 1]). `block.1` and `block.6` are parameter-free permutes, `block.4` the GELU.
final class ConvNeXtBlock: Module, UnaryLayer {
  let block: Sequential
  @ParameterInfo(key: "layer_scale") var layerScale: Tensor
  @ModuleInfo(key: "stochastic_depth") var stochasticDepth: DropPath

  init(dim: Int, layerScale: Double, dropRate: Double, eps: Double) throws {
    block = Sequential(
      try Conv2d(dim, dim, kernelSize: 7, padding: 3, groups: dim),
      Permute([0, 2, 3, 1]),
      try LayerNorm(dim, eps: eps),
      try Linear(dim, 4 * dim),
      GELU(),
      try Linear(4 * dim, dim),
      Permute([0, 3, 1, 2]))
    _layerScale.wrappedValue = try (Tensor.ones([dim, 1, 1]) * layerScale).requiresGrad(true)
    _stochasticDepth.wrappedValue = try DropPath(dropRate)
    super.init()
  }

  func callAsFunction(_ x: Tensor) throws -> Tensor {
    // The layers are the ones `init` builds (computed here so they are not walked twice as
    // children), with biases and an affine LayerNorm, so every optional is set.
    let dwconv = block.layers[0] as! Conv2d, norm = block.layers[2] as! LayerNorm
    let fc1 = block.layers[3] as! Linear, fc2 = block.layers[5] as! Linear
    return try Functional.convNeXtBlock(
      x, dwconv: (dwconv.weight, dwconv.bias!), norm: (norm.weight!, norm.bias!, norm.eps),
      fc1: (fc1.weight, fc1.bias!), fc2: (fc2.weight, fc2.bias!), layerScale: layerScale,
      dropPath: stochasticDepth.p, training: training)
  }
}

/// `torchvision.ops.misc.Permute`: reorders dimensions; no parameters.
final class Permute: Module, UnaryLayer {
  let dims: [Int]

  init(_ dims: [Int]) {
    self.dims = dims
    super.init()
  }

  func callAsFunction(_ x: Tensor) throws -> Tensor { try x.permute(dims) }
}
