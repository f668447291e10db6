// LAVT configuration. Upstream: github.com/yz93/LAVT-RIS (lib/backbone.py, lib/mask_predictor.py,
// lib/segmentation.py); Yang et al., "LAVT: Language-Aware Vision Transformer for Referring
// Image Segmentation", CVPR 2022.

/// Everything needed to build the LAVT image–language network (the multi-modal Swin and the
/// decoder; the text encoder is configured by its `BertConfig`).
///
/// JSON keys: `swin` (a `SwinConfig`), `lang_dim`, `fusion_heads`, `class_weights`, and the
/// BTDNet switches `bsc`, `twin_decoder`, `dmols` (all false is LAVT) with `btdnet` (its loss weights
/// and D-MOLS masking rates).
public struct LAVTConfig: Codable, Equatable, Sendable {
  public var swin: SwinConfig
  /// Width D of the word features (the text encoder's hidden size; 768 for BERT-base).
  public var langDim: Int
  /// Heads of each stage's pixel–word attention (official: 1 everywhere).
  public var fusionHeads: [Int]
  /// Cross-entropy class weights (background, target).
  public var classWeights: [Double]
  /// BTDNet: Bidirectional Spatial Correlation instead of PWAM.
  public var bsc: Bool
  /// BTDNet: target–background twin-stream decoder instead of SimpleDecoding.
  public var twinDecoder: Bool
  /// BTDNet: dual-modal object learning (masked reconstruction in training).
  public var dmols: Bool
  /// BTDNet: auxiliary loss weights and D-MOLS masking (used by the components that are on).
  public var btdnet = BTDNetSettings()

  public init(
    swin: SwinConfig, langDim: Int, fusionHeads: [Int]? = nil, classWeights: [Double] = [0.9, 1.1], bsc: Bool = false,
    twinDecoder: Bool = false, dmols: Bool = false
  ) {
    self.swin = swin
    self.langDim = langDim
    self.fusionHeads = fusionHeads ?? Array(repeating: 1, count: swin.depths.count)
    self.classWeights = classWeights
    self.bsc = bsc
    self.twinDecoder = twinDecoder
    self.dmols = dmols
  }

  /// The paper's LAVT: Swin-B window 12 (stochastic depth 0.3) with `langDim`-wide words.
  public static func paper(langDim: Int = 768) -> LAVTConfig { LAVTConfig(swin: .base, langDim: langDim) }

  enum CodingKeys: String, CodingKey {
    case swin, bsc, dmols, btdnet
    case langDim = "lang_dim"
    case fusionHeads = "fusion_heads"
    case classWeights = "class_weights"
    case twinDecoder = "twin_decoder"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let swin = try c.decode(SwinConfig.self, forKey: .swin)
    self.init(
      swin: swin, langDim: try c.decode(Int.self, forKey: .langDim),
      fusionHeads: try c.decodeIfPresent([Int].self, forKey: .fusionHeads),
      classWeights: try c.decodeIfPresent([Double].self, forKey: .classWeights) ?? [0.9, 1.1],
      bsc: try c.decodeIfPresent(Bool.self, forKey: .bsc) ?? false,
      twinDecoder: try c.decodeIfPresent(Bool.self, forKey: .twinDecoder) ?? false,
      dmols: try c.decodeIfPresent(Bool.self, forKey: .dmols) ?? false)
    btdnet = try c.decodeIfPresent(BTDNetSettings.self, forKey: .btdnet) ?? BTDNetSettings()
  }

  /// Checks that the configuration describes a buildable network.
  public func validate() throws {
    try swin.validate()
    guard swin.depths.count == 4 else {
      throw ModelConfigError.invalid("LAVT needs a 4-stage Swin (its decoder fuses 4 scales), got depths \(swin.depths)")
    }
    guard langDim > 0 else { throw ModelConfigError.invalid("LAVT lang_dim must be positive, got \(langDim)") }
    guard fusionHeads.count == 4, fusionHeads.allSatisfy({ $0 > 0 }) else {
      throw ModelConfigError.invalid("LAVT needs 4 positive fusion head counts, got \(fusionHeads)")
    }
    for (i, heads) in fusionHeads.enumerated() where swin.dim(stage: i) % heads != 0 {
      throw ModelConfigError.invalid("LAVT stage \(i): width \(swin.dim(stage: i)) is not divisible by \(heads) fusion heads")
    }
    guard classWeights.count == 2, classWeights.allSatisfy({ $0 >= 0 }) else {
      throw ModelConfigError.invalid("LAVT class_weights must be 2 non-negative numbers, got \(classWeights)")
    }
    try btdnet.validate()
  }
}
