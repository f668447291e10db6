import Torch

// Swin Transformer as the official segmentation code builds it (Swin-Transformer-Semantic-
// Segmentation, mmseg/models/backbones/swin_transformer.py): a multi-scale encoder with a
// LayerNorm on every stage output. Inputs of any size are padded to patch multiples, maps to
// window multiples, odd maps before patch merging.

/// A Swin backbone with the official keys: `patch_embed.{proj,norm}`, `layers.<i>.blocks.<j>.*`,
/// `layers.<i>.downsample.*`, `norm<i>`.
public final class SwinTransformer: Module {
  public let config: SwinConfig
  let patchEmbed: PatchEmbed
  let layers: [SwinLayer]
  let norms: [LayerNorm]

  /// A freshly initialised backbone (Linear weights trunc-normal std 0.02 with zero biases,
  /// LayerNorms 1/0, as the official `_init_weights`).
  public init(_ config: SwinConfig) throws {
    try config.validate()
    self.config = config
    patchEmbed = try PatchEmbed(
      patchSize: config.patchSize, inChannels: config.inChannels, embedDim: config.embedDim, patchNorm: config.patchNorm)
    layers = try config.depths.indices.map { try SwinLayer(config, stage: $0) }
    norms = try config.dims.map { try LayerNorm($0) }
    super.init()
    try SwinBackbone.initialiseWeights(self)
  }

  public override func entries() -> [ModuleEntry] {
    SwinBackbone.entries(patchEmbed: patchEmbed, layers: layers, norms: norms)
  }

  /// The stage outputs `[B, C_i, H_i, W_i]` of `[B, C_in, H, W]` (strides 4, 8, 16, 32 for patch 4).
  public func callAsFunction(_ x: Tensor) throws -> [Tensor] {
    var (tokens, h, w) = try patchEmbed(x)
    var outputs: [Tensor] = []
    for (layer, norm) in zip(layers, norms) {
      tokens = try layer.runBlocks(tokens, height: h, width: w)
      outputs.append(try SwinStageOutput.map(tokens, norm: norm, height: h, width: w))
      if let next = try layer.merge(tokens, height: h, width: w) { (tokens, h, w) = next }
    }
    return outputs
  }
}

/// What the plain and the multi-modal Swin backbones share: their key layout and weight init.
enum SwinBackbone {
  static func entries(patchEmbed: PatchEmbed, layers: [SwinLayer], norms: [LayerNorm]) -> [ModuleEntry] {
    [ModuleEntry(key: "patch_embed", item: .module(patchEmbed))]
      + layers.enumerated().map { ModuleEntry(key: "layers.\($0.offset)", item: .module($0.element)) }
      + norms.enumerated().map { ModuleEntry(key: "norm\($0.offset)", item: .module($0.element)) }
  }

  /// The official `_init_weights` applied to every Linear and LayerNorm below `module`.
  static func initialiseWeights(_ module: Module) throws {
    for (_, child) in try module.namedModules() {
      if let linear = child as? Linear {
        try Init.truncNormal_(linear.weight, std: 0.02)
        if let bias = linear.bias { try Init.zeros_(bias) }
      } else if let norm = child as? LayerNorm {
        if let weight = norm.weight { try Init.ones_(weight) }
        if let bias = norm.bias { try Init.zeros_(bias) }
      }
    }
  }
}
