import Torch

// A scene dictionary. Each HBIS layer pools class evidence over the pixels of its input, so a
// scene run in windows classifies each window with its own class embeddings, and the result
// depends on where the windows fall. Pooled over the whole scene instead (the evidence of its
// windows summed, then normalised once), every window refines the same class embeddings. For a
// scene that is one window this is the window's own evidence: the plain forward up to the 1e-6
// guard of the normaliser. A later layer's evidence is gathered after the window's own earlier
// layers, in one pass; gathering it after the scene's (one pass per layer) measured no different
// on the NAIP sample (README, "Results that hold across tilings").

extension BiCoRSeg {
  /// Each HBIS layer's pooled class evidence for `x` `[B, 3, H, W]` before normalisation:
  /// `[B, L, N, C + 1]`, per class the numerator Σ_s w·V (C values) and the denominator Σ_s w,
  /// with the layer's top-k and fallback rule, each layer run on what the one before refined from
  /// this window's own evidence. Sum it over windows, then `dictionary(evidence:)`.
  public func dictionaryEvidence(_ x: Tensor) throws -> Tensor {
    try decoder.evidence(neck(backbone(checkedInput(x))))
  }

  /// The class evidence each HBIS layer uses `[L, N, C]` from evidence summed over windows
  /// `[L, N, C + 1]`.
  public static func dictionary(evidence: Tensor) throws -> Tensor {
    let c = evidence.shape[2] - 1
    return try evidence.narrow(dim: 2, start: 0, length: c) / (evidence.narrow(dim: 2, start: c, length: 1) + HBISLayer.eps)
  }

  /// All outputs for `x`, every HBIS layer using its class evidence from `dictionary` `[L, N, C]`
  /// (`dictionary(evidence:)`) instead of pooling over `x`.
  public func forward(_ x: Tensor, dictionary: Tensor) throws -> BiCoRSegOutput {
    guard dictionary.shape == [config.layers, config.classes, config.embedDim] else {
      throw ModelConfigError.invalid(
        "a BiCoR-Seg dictionary for this model is [\(config.layers), \(config.classes), \(config.embedDim)], got \(dictionary.shape)")
    }
    return try decoder(neck(backbone(checkedInput(x))), dictionary: dictionary.unbind(dim: 0))
  }
}
