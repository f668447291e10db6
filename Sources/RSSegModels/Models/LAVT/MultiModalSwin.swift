import Torch

/// LAVT's `MMBasicLayer`: a Swin stage whose blocks are followed by language fusion and the
/// gated residual before patch merging. Keys: `blocks.<j>.*`, `downsample.*` (as `SwinLayer`),
/// `fusion.*` and `res_gate.{0,2}` (Linear–ReLU–Linear–Tanh, no biases).
public final class MultiModalSwinLayer: SwinLayer {
  @ModuleInfo var fusion: any StageFusion
  @ModuleInfo(key: "res_gate") var resGate: Sequential

  init(_ config: LAVTConfig, stage i: Int) throws {
    let dim = config.swin.dim(stage: i)
    _fusion.wrappedValue = try Self.makeFusion(config, stage: i)
    let gate = Sequential(try Linear(dim, dim, bias: false), ReLU(), try Linear(dim, dim, bias: false), Tanh())
    _resGate.wrappedValue = gate
    try super.init(config.swin, stage: i)
  }

  /// The fusion of stage `i`: PWAM for LAVT, BSC (which contains PWAM) for BTDNet.
  static func makeFusion(_ config: LAVTConfig, stage i: Int) throws -> any StageFusion {
    let (dim, heads) = (config.swin.dim(stage: i), config.fusionHeads[i])
    return config.bsc
      ? try BidirectionalSpatialCorrelation(dim: dim, languageDim: config.langDim, numHeads: heads)
      : try PWAM(dim: dim, languageDim: config.langDim, numHeads: heads)
  }

  /// Blocks, fusion and gated residual on `[B, H·W, C]`: the fused tokens (before merging) and
  /// the fusion's result (its residual is the stage output).
  /// With `useCheckpoint`, fusion and gate are recomputed in backward too: they keep about a
  /// dozen `[B, H·W, C]` maps per stage for backward, as much as all of the stage's blocks, and
  /// recomputing them costs only a few per-pixel products.
  func fuse(_ x: Tensor, height h: Int, width w: Int, words: Tensor, tokenMask: Tensor) throws -> (x: Tensor, fusion: StageFusionResult) {
    let y = try runBlocks(x, height: h, width: w)
    guard useCheckpoint else { return try fuseLanguage(y, height: h, width: w, words: words, tokenMask: tokenMask) }
    var refinesWords = false  // what the fusion returns besides the residual, seen on the first run
    let outputs = try Torch.checkpoint([y, words, tokenMask]) { inputs in
      let (fused, result) = try self.fuseLanguage(inputs[0], height: h, width: w, words: inputs[1], tokenMask: inputs[2])
      refinesWords = result.words != nil
      return [fused, result.residual] + [result.words, result.map].compactMap { $0 }
    }
    let extra = outputs.dropFirst(2)
    let result = StageFusionResult(
      residual: outputs[1], words: refinesWords ? extra.first : nil, map: extra.count > (refinesWords ? 1 : 0) ? extra.last : nil)
    return (outputs[0], result)
  }

  /// Fusion, then the gated residual.
  private func fuseLanguage(_ y: Tensor, height h: Int, width w: Int, words: Tensor, tokenMask: Tensor) throws -> (x: Tensor, fusion: StageFusionResult) {
    let result = try fusion(y, height: h, width: w, words: words, tokenMask: tokenMask)
    return (try y + resGate(result.residual) * result.residual, result)
  }
}

/// What the multi-modal Swin computes.
public struct MultiModalSwinOutput {
  /// Each stage's normalised fusion residual `[B, C_i, H_i, W_i]`, finest first.
  public var stages: [Tensor]
  /// Per-stage maps of the fusion (empty for PWAM).
  public var maps: [Tensor]
  /// The word features after the last stage `[B, D, N]` (the input ones for PWAM).
  public var words: Tensor
}

/// LAVT's `MultiModalSwinTransformer`: Swin with language fusion in every stage. Keys are the
/// official ones: `patch_embed.*`, `layers.<i>.{blocks,downsample,fusion,res_gate}.*`, `norm<i>`,
/// so official Swin classification weights load with `SwinCheckpoint.load(_:into:)`.
public final class MultiModalSwin: Module {
  public let config: LAVTConfig
  let patchEmbed: PatchEmbed
  let layers: [MultiModalSwinLayer]
  /// Recompute every Swin block during backward (`SwinLayer.useCheckpoint` in all stages).
  public var useCheckpoint: Bool {
    get { layers.allSatisfy(\.useCheckpoint) }
    set { for layer in layers { layer.useCheckpoint = newValue } }
  }
  let norms: [LayerNorm]

  /// A freshly initialised backbone: the official `init_weights` (trunc-normal Linear weights,
  /// including `res_gate`'s, whose zero init the official code overrides this way; Conv1d
  /// layers keep PyTorch's defaults).
  public init(_ config: LAVTConfig) throws {
    try config.validate()
    self.config = config
    let swin = config.swin
    patchEmbed = try PatchEmbed(patchSize: swin.patchSize, inChannels: swin.inChannels, embedDim: swin.embedDim, patchNorm: swin.patchNorm)
    layers = try swin.depths.indices.map { try MultiModalSwinLayer(config, stage: $0) }
    norms = try swin.dims.map { try LayerNorm($0) }
    super.init()
    try SwinBackbone.initialiseWeights(self)
  }

  public override func entries() -> [ModuleEntry] {
    SwinBackbone.entries(patchEmbed: patchEmbed, layers: layers, norms: norms)
  }

  /// - Parameters:
  ///   - x: images `[B, 3, H, W]` (normalised).
  ///   - words: `[B, D, N]` word features.
  ///   - tokenMask: `[B, N, 1]`, 1 for real words.
  public func callAsFunction(_ x: Tensor, words: Tensor, tokenMask: Tensor) throws -> MultiModalSwinOutput {
    guard words.rank == 3, words.shape[1] == config.langDim, tokenMask.shape == [words.shape[0], words.shape[2], 1],
      x.rank == 4, x.shape[0] == words.shape[0]
    else {
      throw ModelConfigError.invalid(
        "LAVT backbone: expected images [B, 3, H, W], words [B, \(config.langDim), N] and word mask [B, N, 1], "
          + "got \(x.shape), \(words.shape), \(tokenMask.shape)")
    }
    var (tokens, h, w) = try patchEmbed(x)
    var words = words
    var output = MultiModalSwinOutput(stages: [], maps: [], words: words)
    for (layer, norm) in zip(layers, norms) {
      let (fused, result) = try layer.fuse(tokens, height: h, width: w, words: words, tokenMask: tokenMask)
      output.stages.append(try SwinStageOutput.map(result.residual, norm: norm, height: h, width: w))
      if let map = result.map { output.maps.append(map) }
      if let refined = result.words { words = refined }
      tokens = fused
      if let next = try layer.merge(tokens, height: h, width: w) { (tokens, h, w) = next }
    }
    output.words = words
    return output
  }
}
