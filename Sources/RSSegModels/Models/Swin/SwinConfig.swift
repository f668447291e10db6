// Swin Transformer configuration (Liu et al., "Swin Transformer: Hierarchical Vision Transformer
// using Shifted Windows", ICCV 2021; github.com/microsoft/Swin-Transformer and its
// segmentation variant in Swin-Transformer-Semantic-Segmentation, which LAVT uses).

/// The shape of a Swin Transformer backbone: `depths[i]` blocks of width `embedDim · 2^i` with
/// `numHeads[i]` heads per stage, attention inside `windowSize`² windows.
///
/// JSON keys are the official constructor's (`embed_dim`, `depths`, `num_heads`,
/// `window_size`, `mlp_ratio`, `qkv_bias`, `patch_size`, `drop_path_rate`, `patch_norm`).
public struct SwinConfig: Codable, Equatable, Sendable {
  public var embedDim: Int
  public var depths: [Int]
  public var numHeads: [Int]
  public var windowSize: Int
  public var patchSize: Int = 4
  public var inChannels: Int = 3
  /// Hidden width of each block's MLP relative to its input.
  public var mlpRatio: Double = 4
  public var qkvBias: Bool = true
  /// Final stochastic-depth rate; rates rise linearly over all blocks from 0 (training only).
  public var dropPathRate: Double = 0
  /// LayerNorm after the patch embedding.
  public var patchNorm: Bool = true

  public init(
    embedDim: Int, depths: [Int], numHeads: [Int], windowSize: Int, patchSize: Int = 4, inChannels: Int = 3,
    mlpRatio: Double = 4, qkvBias: Bool = true, dropPathRate: Double = 0, patchNorm: Bool = true
  ) {
    self.embedDim = embedDim
    self.depths = depths
    self.numHeads = numHeads
    self.windowSize = windowSize
    self.patchSize = patchSize
    self.inChannels = inChannels
    self.mlpRatio = mlpRatio
    self.qkvBias = qkvBias
    self.dropPathRate = dropPathRate
    self.patchNorm = patchNorm
  }

  enum CodingKeys: String, CodingKey {
    case depths
    case embedDim = "embed_dim"
    case numHeads = "num_heads"
    case windowSize = "window_size"
    case patchSize = "patch_size"
    case inChannels = "in_chans"
    case mlpRatio = "mlp_ratio"
    case qkvBias = "qkv_bias"
    case dropPathRate = "drop_path_rate"
    case patchNorm = "patch_norm"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    embedDim = try c.decode(Int.self, forKey: .embedDim)
    depths = try c.decode([Int].self, forKey: .depths)
    numHeads = try c.decode([Int].self, forKey: .numHeads)
    windowSize = try c.decode(Int.self, forKey: .windowSize)
    patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? 4
    inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? 3
    mlpRatio = try c.decodeIfPresent(Double.self, forKey: .mlpRatio) ?? 4
    qkvBias = try c.decodeIfPresent(Bool.self, forKey: .qkvBias) ?? true
    dropPathRate = try c.decodeIfPresent(Double.self, forKey: .dropPathRate) ?? 0
    patchNorm = try c.decodeIfPresent(Bool.self, forKey: .patchNorm) ?? true
  }

  /// Width of stage `i`.
  public func dim(stage i: Int) -> Int { embedDim << i }

  /// Widths of all stages.
  public var dims: [Int] { depths.indices.map { dim(stage: $0) } }

  /// Drop rate of each block in order (`torch.linspace(0, drop_path_rate, sum(depths))`).
  public var blockDropRates: [Double] {
    let total = depths.reduce(0, +)
    return (0..<total).map { total > 1 ? dropPathRate * Double($0) / Double(total - 1) : 0 }
  }

  /// Checks that the configuration describes a buildable network.
  public func validate() throws {
    guard !depths.isEmpty, depths.count == numHeads.count else {
      throw ModelConfigError.invalid("Swin needs one head count per stage, got depths \(depths) and heads \(numHeads)")
    }
    guard embedDim > 0, windowSize > 0, patchSize > 0, inChannels > 0, mlpRatio > 0,
      depths.allSatisfy({ $0 > 0 }), numHeads.allSatisfy({ $0 > 0 })
    else {
      throw ModelConfigError.invalid(
        "Swin sizes must be positive: embed \(embedDim), window \(windowSize), patch \(patchSize), depths \(depths), heads \(numHeads)")
    }
    for (i, heads) in numHeads.enumerated() where dim(stage: i) % heads != 0 {
      throw ModelConfigError.invalid("Swin stage \(i): width \(dim(stage: i)) is not divisible by \(heads) heads")
    }
    guard (0..<1).contains(dropPathRate) else {
      throw ModelConfigError.invalid("Swin drop_path_rate must be in [0, 1), got \(dropPathRate)")
    }
  }

  /// Swin-T (ImageNet-1k, window 7).
  public static let tiny = SwinConfig(embedDim: 96, depths: [2, 2, 6, 2], numHeads: [3, 6, 12, 24], windowSize: 7, dropPathRate: 0.2)
  /// Swin-S (window 7).
  public static let small = SwinConfig(embedDim: 96, depths: [2, 2, 18, 2], numHeads: [3, 6, 12, 24], windowSize: 7, dropPathRate: 0.3)
  /// Swin-B with window 12 (`swin_base_patch4_window12_384_22k.pth`), LAVT's image encoder.
  public static let base = SwinConfig(embedDim: 128, depths: [2, 2, 18, 2], numHeads: [4, 8, 16, 32], windowSize: 12, dropPathRate: 0.3)
  /// Swin-B with window 7 (`swin_base_patch4_window7_224_22k.pth`).
  public static let base224 = SwinConfig(embedDim: 128, depths: [2, 2, 18, 2], numHeads: [4, 8, 16, 32], windowSize: 7, dropPathRate: 0.3)
  /// Swin-L with window 12 (`swin_large_patch4_window12_384_22k.pth`).
  public static let large = SwinConfig(embedDim: 192, depths: [2, 2, 18, 2], numHeads: [6, 12, 24, 48], windowSize: 12, dropPathRate: 0.3)

  /// The preset for "tiny", "small", "base" (window 12), "base224" (window 7) or "large".
  public static func preset(named name: String) throws -> SwinConfig {
    switch name.lowercased() {
    case "tiny", "t", "swin_tiny": return .tiny
    case "small", "s", "swin_small": return .small
    case "base", "b", "swin_base": return .base
    case "base224", "swin_base_window7": return .base224
    case "large", "l", "swin_large": return .large
    default: throw ModelConfigError.invalid("unknown Swin preset '\(name)' (tiny, small, base, base224, large)")
    }
  }
}
