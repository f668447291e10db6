import Torch

// BiCoR-Seg (Shi et al., "Bidirectional Co-Refinement Framework for High-Resolution Remote
// Sensing Image Segmentation", CVM 2026; github.com/ShiJinghao566/BiCoR-Seg,
// network/models/bicor.py). Parameter names are the reference's, so its state_dict (and a
// Lightning checkpoint's `state_dict` without the `net.` prefix) loads strictly.

/// The BiCoR-Seg network: ConvNeXt encoder (`encoder.0.<i>`), per-stage projectors
/// (`proj_layers.<i>`), 1×1 aggregation (`feature_aggregator`) and the decoder (`decoder.*`).
public final class BiCoRSeg: Module, UnaryLayer {
  public let config: BiCoRSegConfig
  /// One element, torchvision's `features`, so keys read `encoder.0.<i>` as in the reference.
  let encoder: [ConvNeXtFeatures]
  @ModuleInfo(key: "proj_layers") var projLayers: [FeatureProjector]
  let decoder: BiCoRDecoder
  /// The reference's 1×1 aggregation; `neck` applies its weight stage by stage.
  @ModuleInfo(key: "feature_aggregator") var featureAggregator: Conv2d

  /// A freshly initialised network (the encoder as torchvision initialises it; load ImageNet
  /// weights with `loadImageNetEncoder`).
  public init(_ config: BiCoRSegConfig) throws {
    try config.validate()
    self.config = config
    let c = config.embedDim
    encoder = [try ConvNeXtFeatures(config.encoder)]
    _projLayers.wrappedValue = try config.encoder.dims.map { try FeatureProjector(inputDim: $0, outputDim: c) }
    decoder = try BiCoRDecoder(config: config)
    _featureAggregator.wrappedValue = try Conv2d(4 * c, c, kernelSize: 1, bias: false)
    super.init()
  }

  /// The ConvNeXt encoder.
  public var backbone: ConvNeXtFeatures { encoder[0] }

  /// Neck: F0 `[B, C, H/4, W/4]` (channels-last) from the four stage outputs s_i: the 1×1
  /// aggregation A of the concatenated, upsampled projections, stage by stage. With A_i the
  /// columns of A for stage i, A·cat_i(up(P_i(s_i))) = Σ_i up(A_i·P_i(s_i)): both maps are linear,
  /// and bilinear weights sum to 1 so P_i's bias passes through. A_i·P_i is one Linear at the
  /// stage's resolution, so neither the 4C-wide concatenation at H/4 × W/4 nor its 1×1
  /// convolution (8.6 GFLOP of the Vaihingen preset's 176 at 512²) is computed. Recomputed in
  /// backward: it keeps four C-wide tensors at H/4 × W/4 otherwise.
  func neck(_ stages: [Tensor]) throws -> Tensor {
    try Torch.checkpoint(stages) { stages in
      let size = Array(stages[0].shape[2...])
      // The reference concatenates the deepest stage first.
      let columns = try self.featureAggregator.weight.flatten(startDim: 1).chunk(stages.count, dim: 1).reversed()
      let parts = try zip(zip(stages, self.projLayers), columns).map { input, mix in
        let (stage, proj) = input
        let projected = try proj(stage, mixedBy: mix)
        guard Array(projected.shape[2...]) != size else { return projected }
        return try Functional.interpolate(projected, size: size, mode: .bilinear, alignCorners: false)
      }
      // Summed in at least float32, as the convolution accumulated: under autocast the parts
      // (and F0) are in its 16-bit dtype.
      let dtype = parts[0].dtype
      let sum = try parts.dropFirst().reduce(parts[0].to(dtype.size < 4 ? .float32 : dtype), +)
      return [try sum.to(dtype)]
    }[0]
  }

  /// All outputs for `[B, 3, H, W]` (H and W multiples of 4, at least 32; multiples of 32 keep
  /// every stage aligned): in training mode also the
  /// auxiliary logits and, for configurations with it, the in-model Fisher loss.
  public func forward(_ x: Tensor) throws -> BiCoRSegOutput {
    try decoder(neck(backbone(checkedInput(x))))
  }

  /// `x` when it is `[B, 3, H, W]` with H and W multiples of 4 and at least 32.
  func checkedInput(_ x: Tensor) throws -> Tensor {
    guard x.rank == 4, x.shape[1] == 3, x.shape[2] % 4 == 0, x.shape[3] % 4 == 0, x.shape[2] >= 32, x.shape[3] >= 32 else {
      throw ModelConfigError.invalid(
        "BiCoR-Seg expects [B, 3, H, W] input with H and W multiples of 4 and at least 32, got \(x.shape)")
    }
    return x
  }

  /// Segmentation logits `[B, N, H, W]`.
  public func callAsFunction(_ x: Tensor) throws -> Tensor { try forward(x).seg }
}
