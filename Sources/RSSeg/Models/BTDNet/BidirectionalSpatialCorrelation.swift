import Torch

/// BSC, Bidirectional Spatial Correlation (BTDNet spec §3; the internals are our design from
/// the paper's abstract). It extends a stage's PWAM fusion, which stays as LAVT has it:
/// 1. language→vision: PWAM's output F_lv (computed by the stage's `fusion`);
/// 2. vision→language: the words attend over the pixels (`WordRefinement`), W_i → W_{i+1};
/// 3. spatial correlation S_i between the pixels and the refined sentence
///    (`SpatialCorrelation`), which gates the fused features: F_out = F_lv ⊙ (1 + σ(S_i)).
/// The stage then applies LAVT's gated residual to F_out, sends F_out to the decoder and W_{i+1}
/// to the next stage. Keys: `vision_to_language.*`, `correlation.*`.
public final class BidirectionalSpatialCorrelation: Module {
  @ModuleInfo(key: "vision_to_language") public var visionToLanguage: WordRefinement
  @ModuleInfo public var correlation: SpatialCorrelation

  /// What one stage's BSC produces.
  public struct Output {
    /// F_out `[B, HW, C]`: the stage's output to the decoder and the gated residual's input.
    public let fused: Tensor
    /// W_{i+1} `[B, D, N]`.
    public let words: Tensor
    /// S_i `[B, 1, H, W]`, correlation logits.
    public let correlation: Tensor
  }

  public init(visualChannels: Int, wordChannels: Int) throws {
    super.init()
    visionToLanguage = try WordRefinement(visualChannels: visualChannels, wordChannels: wordChannels)
    correlation = try SpatialCorrelation(visualChannels: visualChannels, wordChannels: wordChannels)
  }

  /// - Parameters:
  ///   - pixels: the stage's visual tokens X `[B, HW, C]` (after its Swin blocks).
  ///   - fused: PWAM's output F_lv `[B, HW, C]`.
  ///   - words: W_i `[B, D, N]`; wordMask `[B, N, 1]`.
  public func callAsFunction(
    pixels: Tensor, fused: Tensor, height: Int, width: Int, words: Tensor, wordMask: Tensor
  ) throws -> Output {
    guard fused.shape == pixels.shape else {
      throw TorchError.invalidArgument("BSC: fused features \(fused.shape) do not match the pixels \(pixels.shape)")
    }
    let refined = try visionToLanguage(pixels: pixels, words: words, wordMask: wordMask)
    let map = try correlation(pixels: pixels, height: height, width: width, words: refined, wordMask: wordMask)
    let gate = try map.sigmoid().flatten(startDim: 1).unsqueeze(-1) + 1  // [B, HW, 1]
    return Output(fused: try fused * gate, words: refined, correlation: map)
  }
}
