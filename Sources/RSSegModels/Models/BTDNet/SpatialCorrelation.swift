import Torch

/// BSC step 3: a spatial correlation logit map between the pixels and the sentence (BTDNet
/// spec §3; our design).
///
/// s = masked mean of the words, projected to the stage width; S = τ·cos(Linear(X), s) + b with
/// a learned temperature τ (initially 10) and offset b (initially 0). Keys: `visual_proj`,
/// `sentence_proj`, `tau`, `bias`.
public final class SpatialCorrelation: Module {
  @ModuleInfo(key: "visual_proj") public var visualProj: Linear
  @ModuleInfo(key: "sentence_proj") public var sentenceProj: Linear
  public let tau: Tensor
  public let bias: Tensor

  public init(visualChannels: Int, wordChannels: Int, initialTau: Double = 10) throws {
    tau = try Tensor.full([1], .float(initialTau)).requiresGrad(true)
    bias = try Tensor.zeros([1]).requiresGrad(true)
    super.init()
    visualProj = try Linear(visualChannels, visualChannels)
    sentenceProj = try Linear(wordChannels, visualChannels)
  }

  /// - Parameters:
  ///   - pixels: X `[B, HW, C]` with HW = height·width.
  ///   - words: `[B, D, N]`; tokenMask `[B, N, 1]` (1 = real word).
  /// - Returns: S `[B, 1, height, width]` (logits).
  public func callAsFunction(pixels: Tensor, height: Int, width: Int, words: Tensor, tokenMask: Tensor) throws -> Tensor {
    try checkFusionInputs(pixels, words, tokenMask, "SpatialCorrelation")
    guard pixels.shape[1] == height * width else {
      throw TorchError.invalidArgument("SpatialCorrelation: \(pixels.shape[1]) pixels are not \(height)×\(width)")
    }
    let mask = try tokenMask.to(words.dtype)
    let sentence = try words.matmul(mask).squeeze(-1) / mask.sum(dims: [1, 2]).clamp(min: 1).unsqueeze(1)  // [B, D]
    let s = try sentenceProj(sentence).unsqueeze(1)  // [B, 1, C]
    let cosine = try Functional.cosineSimilarity(visualProj(pixels), s, dim: -1)  // [B, HW]
    return try (cosine * tau + bias).reshape([pixels.shape[0], 1, height, width])
  }
}
