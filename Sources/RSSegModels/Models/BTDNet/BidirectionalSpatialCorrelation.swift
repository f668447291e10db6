import Torch

/// BSC, Bidirectional Spatial Correlation (BTDNet spec §3; the internals are our design from
/// the paper's abstract): the per-stage fusion that replaces PWAM (`LAVTConfig.bsc`).
/// 1. language→vision: LAVT's PWAM gives F_lv (B, HW, C);
/// 2. vision→language: the words attend over the pixels (`WordRefinement`), W_i → W_{i+1},
///    handed to the next stage;
/// 3. spatial correlation S_i between the pixels and the refined sentence
///    (`SpatialCorrelation`) gates the fused features: F_out = F_lv ⊙ (1 + σ(S_i)).
/// The stage applies LAVT's gated residual to F_out and sends F_out to the decoder; S_i is the
/// stage's map (supervised by `BTDNetLoss`, written by `rsseg refer --maps`).
///
/// Keys: PWAM's own (`vis_project.0`, `image_lang_att.*`, `project_mm.0`, so LAVT weights load
/// unchanged) plus `vision_to_language.*` and `correlation.*`.
public final class BidirectionalSpatialCorrelation: Module, StageFusion {
  let pwam: PWAM
  @ModuleInfo(key: "vision_to_language") public var visionToLanguage: WordRefinement
  @ModuleInfo public var correlation: SpatialCorrelation

  /// What BSC adds to F_lv.
  public struct Output {
    /// F_out `[B, HW, C]`: the stage's output to the decoder and the gated residual's input.
    public let fused: Tensor
    /// W_{i+1} `[B, D, N]`.
    public let words: Tensor
    /// S_i `[B, 1, H, W]`, correlation logits.
    public let correlation: Tensor
  }

  /// - Parameters:
  ///   - dim: the stage width C_i; languageDim: the word width D; numHeads: PWAM's heads.
  public init(dim: Int, languageDim: Int, numHeads: Int = 1) throws {
    pwam = try PWAM(dim: dim, languageDim: languageDim, numHeads: numHeads)
    super.init()
    visionToLanguage = try WordRefinement(visualChannels: dim, wordChannels: languageDim)
    correlation = try SpatialCorrelation(visualChannels: dim, wordChannels: languageDim)
  }

  /// PWAM's entries at this module's top level, then BSC's own.
  public override func entries() -> [ModuleEntry] {
    pwam.entries() + super.entries().filter { $0.key != "pwam" }
  }

  public func callAsFunction(_ x: Tensor, height: Int, width: Int, words: Tensor, tokenMask: Tensor) throws -> StageFusionResult {
    let lv = try pwam(x, height: height, width: width, words: words, tokenMask: tokenMask).residual
    let out = try refine(pixels: x, fused: lv, height: height, width: width, words: words, tokenMask: tokenMask)
    return StageFusionResult(residual: out.fused, words: out.words, map: out.correlation)
  }

  /// Steps 2 and 3 on given F_lv.
  /// - Parameters:
  ///   - pixels: the stage's visual tokens X `[B, HW, C]` (after its Swin blocks).
  ///   - fused: F_lv `[B, HW, C]`.
  ///   - words: W_i `[B, D, N]`; tokenMask `[B, N, 1]`.
  public func refine(
    pixels: Tensor, fused: Tensor, height: Int, width: Int, words: Tensor, tokenMask: Tensor
  ) throws -> Output {
    guard fused.shape == pixels.shape else {
      throw TorchError.invalidArgument("BSC: fused features \(fused.shape) do not match the pixels \(pixels.shape)")
    }
    let refined = try visionToLanguage(pixels: pixels, words: words, tokenMask: tokenMask)
    let map = try correlation(pixels: pixels, height: height, width: width, words: refined, tokenMask: tokenMask)
    let gate = try map.sigmoid().flatten(startDim: 1).unsqueeze(-1) + 1  // [B, HW, 1]
    return Output(fused: try fused * gate, words: refined, correlation: map)
  }
}
