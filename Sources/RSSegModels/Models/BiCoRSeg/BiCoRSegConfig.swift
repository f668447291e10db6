// BiCoR-Seg configuration. Upstream: github.com/ShiJinghao566/BiCoR-Seg (network/models/bicor.py),
// "Bidirectional Co-Refinement Framework for High-Resolution Remote Sensing Image Segmentation",
// CVM 2026.

/// Everything needed to build a BiCoR-Seg network.
///
/// JSON keys are the reference's (`embed_dim`, `topk_ratio`, …) with the encoder's keys at the
/// top level (`dims`, `depths`, `stochastic_depth`), as in the parity fixtures' `config`.
public struct BiCoRSegConfig: Codable, Equatable, Sendable {
  /// The ConvNeXt encoder.
  public var encoder: ConvNeXtConfig
  /// Class-embedding and feature width C (256 in the paper; a multiple of 16).
  public var embedDim: Int
  /// Number of classes N (the class dictionary's size).
  public var classes: Int
  /// Label value ignored by losses and metrics (N in every reference configuration).
  public var ignoreIndex: Int
  /// Number of HBIS layers L.
  public var layers: Int
  /// Share of pixels pooled per class (top-k), and the least number of pixels.
  public var topkRatio: Double
  public var minPixels: Int
  /// Heatmap temperature τ and FiLM mixing weight λ.
  public var tau: Double
  public var lambdaFilm: Double
  /// Whether training also returns the Fisher loss of the final class embeddings (LoveDA).
  public var inModelFisher: Bool
  /// Whether training also returns the auxiliary (static dictionary) logits.
  public var useAux: Bool

  public init(
    encoder: ConvNeXtConfig = .base, embedDim: Int = 256, classes: Int, ignoreIndex: Int? = nil,
    layers: Int, topkRatio: Double = 1, minPixels: Int = 64, tau: Double = 1, lambdaFilm: Double = 0.5,
    inModelFisher: Bool = false, useAux: Bool = true
  ) {
    self.encoder = encoder
    self.embedDim = embedDim
    self.classes = classes
    self.ignoreIndex = ignoreIndex ?? classes
    self.layers = layers
    self.topkRatio = topkRatio
    self.minPixels = minPixels
    self.tau = tau
    self.lambdaFilm = lambdaFilm
    self.inModelFisher = inModelFisher
    self.useAux = useAux
  }

  enum CodingKeys: String, CodingKey {
    case classes, layers, tau
    case embedDim = "embed_dim"
    case ignoreIndex = "ignore_index"
    case topkRatio = "topk_ratio"
    case minPixels = "min_pixels"
    case lambdaFilm = "lambda_film"
    case inModelFisher = "has_fisher_loss"
    /// The parity fixtures' name for the in-model Fisher loss.
    case fisherFinalInTotal = "fisher_final_in_total"
    case useAux = "use_aux"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    encoder = try ConvNeXtConfig(from: decoder)
    embedDim = try c.decodeIfPresent(Int.self, forKey: .embedDim) ?? 256
    classes = try c.decode(Int.self, forKey: .classes)
    ignoreIndex = try c.decodeIfPresent(Int.self, forKey: .ignoreIndex) ?? classes
    layers = try c.decode(Int.self, forKey: .layers)
    topkRatio = try c.decodeIfPresent(Double.self, forKey: .topkRatio) ?? 1
    minPixels = try c.decodeIfPresent(Int.self, forKey: .minPixels) ?? 64
    tau = try c.decodeIfPresent(Double.self, forKey: .tau) ?? 1
    lambdaFilm = try c.decodeIfPresent(Double.self, forKey: .lambdaFilm) ?? 0.5
    inModelFisher =
      try c.decodeIfPresent(Bool.self, forKey: .inModelFisher)
      ?? c.decodeIfPresent(Bool.self, forKey: .fisherFinalInTotal) ?? false
    useAux = try c.decodeIfPresent(Bool.self, forKey: .useAux) ?? true
  }

  public func encode(to encoder: Encoder) throws {
    try self.encoder.encode(to: encoder)
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(embedDim, forKey: .embedDim)
    try c.encode(classes, forKey: .classes)
    try c.encode(ignoreIndex, forKey: .ignoreIndex)
    try c.encode(layers, forKey: .layers)
    try c.encode(topkRatio, forKey: .topkRatio)
    try c.encode(minPixels, forKey: .minPixels)
    try c.encode(tau, forKey: .tau)
    try c.encode(lambdaFilm, forKey: .lambdaFilm)
    try c.encode(inModelFisher, forKey: .inModelFisher)
    try c.encode(useAux, forKey: .useAux)
  }

  /// Checks that the configuration describes a buildable network.
  public func validate() throws {
    try encoder.validate()
    guard embedDim > 0, embedDim % 16 == 0 else {
      throw ModelConfigError.invalid("BiCoR-Seg embed_dim must be a positive multiple of 16, got \(embedDim)")
    }
    guard classes >= 2 else { throw ModelConfigError.invalid("BiCoR-Seg needs at least 2 classes, got \(classes)") }
    guard layers >= 1 else { throw ModelConfigError.invalid("BiCoR-Seg needs at least 1 HBIS layer, got \(layers)") }
    guard topkRatio > 0, topkRatio <= 1, minPixels >= 1 else {
      throw ModelConfigError.invalid("BiCoR-Seg topk_ratio must be in (0, 1] and min_pixels ≥ 1, got \(topkRatio) and \(minPixels)")
    }
    guard tau > 0 else { throw ModelConfigError.invalid("BiCoR-Seg tau must be positive, got \(tau)") }
  }

  /// Pixels pooled per class from a map of `pixels` pixels: min(S, max(min_pixels, round(ratio·S))),
  /// rounding half to even as Python's `round` does.
  public func topk(pixels: Int) -> Int {
    let rounded = Int((topkRatio * Double(pixels)).rounded(.toNearestOrEven))
    return min(pixels, max(minPixels, rounded))
  }
}
