import Torch

// LAVT (Yang et al., "LAVT: Language-Aware Vision Transformer for Referring Image Segmentation",
// CVPR 2022; github.com/yz93/LAVT-RIS, lib/segmentation.py `_LAVTSimpleDecode`). Parameter names
// are the official ones (`backbone.*`, `classifier.*`).

/// What LAVT computes for a batch.
public struct LAVTOutput {
  /// 2-class logits (background, target) `[B, 2, H, W]` at the input size.
  public var logits: Tensor
  /// The backbone's stage outputs `[B, C_i, H_i, W_i]` (normalised fusion residuals).
  public var stages: [Tensor]
  /// Per-stage fusion maps (BTDNet's BSC; empty for LAVT).
  public var fusionMaps: [Tensor]
  /// The word features after the last stage `[B, D, N]`.
  public var words: Tensor
  /// The decoder's output before upsampling (stride-4 logits, side outputs, features).
  public var decoder: ReferringDecoderOutput
}

/// The LAVT image–language network: multi-modal Swin (`backbone.*`) and decoder
/// (`classifier.*`) on given word features. `ReferringSegmenter` adds the text encoder.
public class LAVT: Module {
  public let config: LAVTConfig
  public let backbone: MultiModalSwin
  @ModuleInfo public var classifier: any ReferringDecoder

  public init(_ config: LAVTConfig) throws {
    try config.validate()
    self.config = config
    backbone = try MultiModalSwin(config)
    _classifier.wrappedValue = try Self.makeDecoder(config)
    super.init()
  }

  /// The decoder: SimpleDecoding for LAVT, the twin-stream decoder (T-BTD) for BTDNet.
  static func makeDecoder(_ config: LAVTConfig) throws -> any ReferringDecoder {
    config.twinDecoder ? try TwinStreamDecoder(dims: config.swin.dims) : try SimpleDecoding(dims: config.swin.dims)
  }

  /// Every output for images `[B, 3, H, W]` (normalised), word features `[B, D, N]` and word
  /// mask `[B, N, 1]` (1 for real words).
  public func forward(_ images: Tensor, words: Tensor, tokenMask: Tensor) throws -> LAVTOutput {
    let features = try backbone(images, words: words, tokenMask: tokenMask)
    let decoded = try classifier(features.stages)
    let logits = try Functional.interpolate(
      decoded.logits, size: Array(images.shape[2...]), mode: .bilinear, alignCorners: true)
    return LAVTOutput(logits: logits, stages: features.stages, fusionMaps: features.maps, words: features.words, decoder: decoded)
  }

  /// Logits `[B, 2, H, W]`.
  public func callAsFunction(_ images: Tensor, words: Tensor, tokenMask: Tensor) throws -> Tensor {
    try forward(images, words: words, tokenMask: tokenMask).logits
  }
}
