import Torch

/// torchvision's `ConvNeXt.features` with only the four stage outputs computed.
///
/// Children are keyed `0`…`7` as in torchvision: `0` the stem (4×4/4 conv + LayerNorm2d), `1`,
/// `3`, `5`, `7` the stages of `ConvNeXtBlock`s, `2`, `4`, `6` the downsamplers (LayerNorm2d +
/// 2×2/2 conv).
public final class ConvNeXtFeatures: Module {
  public let config: ConvNeXtConfig
  let layers: [Sequential]

  /// A freshly initialised network (weights trunc-normal std 0.02, biases zero, as torchvision).
  public init(_ config: ConvNeXtConfig) throws {
    try config.validate()
    self.config = config
    let dims = config.dims
    let rates = config.blockDropRates
    var layers: [Sequential] = [
      Sequential(try Conv2d(3, dims[0], kernelSize: 4, stride: 4), try LayerNorm2d(dims[0], eps: config.eps))
    ]
    var blockIndex = 0
    for stage in 0..<4 {
      var blocks: [any UnaryLayer] = []
      for _ in 0..<config.depths[stage] {
        blocks.append(
          try ConvNeXtBlock(dim: dims[stage], layerScale: config.layerScale, dropRate: rates[blockIndex], eps: config.eps))
        blockIndex += 1
      }
      layers.append(Sequential(blocks))
      if stage < 3 {
        layers.append(
          Sequential(
            try LayerNorm2d(dims[stage], eps: config.eps), try Conv2d(dims[stage], dims[stage + 1], kernelSize: 2, stride: 2)))
      }
    }
    self.layers = layers
    super.init()
    try initialiseWeights()
  }

  public override func entries() -> [ModuleEntry] {
    layers.enumerated().map { ModuleEntry(key: String($0.offset), item: .module($0.element)) }
  }

  /// torchvision's init: every Conv2d and Linear weight trunc-normal (std 0.02), bias zero.
  private func initialiseWeights() throws {
    for (_, module) in try namedModules() {
      let weight: Tensor
      let bias: Tensor?
      if let conv = module as? Conv2d {
        (weight, bias) = (conv.weight, conv.bias)
      } else if let linear = module as? Linear {
        (weight, bias) = (linear.weight, linear.bias)
      } else {
        continue
      }
      try Init.truncNormal_(weight, std: 0.02)
      if let bias { try Init.zeros_(bias) }
    }
  }

  /// The four stage outputs of `[B, 3, H, W]`: strides 4, 8, 16 and 32, widths `config.dims`.
  public func callAsFunction(_ x: Tensor) throws -> [Tensor] {
    var outputs: [Tensor] = []
    var h = x
    for (index, layer) in layers.enumerated() {
      h = try layer(h)
      if index % 2 == 1 { outputs.append(h) }
    }
    return outputs
  }
}
