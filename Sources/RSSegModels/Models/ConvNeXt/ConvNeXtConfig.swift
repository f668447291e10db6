// ConvNeXt configuration: widths, depths, stochastic depth, presets.
// Upstream: torchvision.models.convnext (Liu et al., "A ConvNet for the 2020s", CVPR 2022).

/// The shape of a torchvision ConvNeXt: four stages of widths `dims` with `depths` blocks each.
public struct ConvNeXtConfig: Codable, Equatable, Sendable {
  /// Channel width of each stage.
  public var dims: [Int]
  /// Number of blocks in each stage.
  public var depths: [Int]
  /// Final stochastic-depth rate; block i of n drops with rate `stochasticDepth · i / (n − 1)`.
  public var stochasticDepth: Double
  /// Initial value of every block's `layer_scale`.
  public var layerScale: Double = 1e-6
  /// LayerNorm epsilon everywhere in the network.
  public var eps: Double = 1e-6

  public init(dims: [Int], depths: [Int], stochasticDepth: Double = 0, layerScale: Double = 1e-6, eps: Double = 1e-6) {
    self.dims = dims
    self.depths = depths
    self.stochasticDepth = stochasticDepth
    self.layerScale = layerScale
    self.eps = eps
  }

  enum CodingKeys: String, CodingKey {
    case dims, depths, eps
    case stochasticDepth = "stochastic_depth"
    case layerScale = "layer_scale"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    dims = try c.decode([Int].self, forKey: .dims)
    depths = try c.decode([Int].self, forKey: .depths)
    stochasticDepth = try c.decodeIfPresent(Double.self, forKey: .stochasticDepth) ?? 0
    layerScale = try c.decodeIfPresent(Double.self, forKey: .layerScale) ?? 1e-6
    eps = try c.decodeIfPresent(Double.self, forKey: .eps) ?? 1e-6
  }

  /// Checks that the configuration describes a buildable network.
  public func validate() throws {
    guard dims.count == 4, depths.count == 4 else {
      throw ModelConfigError.invalid("ConvNeXt needs 4 dims and 4 depths, got \(dims) and \(depths)")
    }
    guard dims.allSatisfy({ $0 > 0 }), depths.allSatisfy({ $0 > 0 }) else {
      throw ModelConfigError.invalid("ConvNeXt dims and depths must be positive, got \(dims) and \(depths)")
    }
    guard (0..<1).contains(stochasticDepth) else {
      throw ModelConfigError.invalid("ConvNeXt stochastic depth must be in [0, 1), got \(stochasticDepth)")
    }
  }

  /// Drop rate of each block in order, rising linearly from 0 to `stochasticDepth`.
  public var blockDropRates: [Double] {
    let total = depths.reduce(0, +)
    return (0..<total).map { total > 1 ? stochasticDepth * Double($0) / Double(total - 1) : 0 }
  }

  public static let tiny = ConvNeXtConfig(dims: [96, 192, 384, 768], depths: [3, 3, 9, 3], stochasticDepth: 0.1)
  public static let small = ConvNeXtConfig(dims: [96, 192, 384, 768], depths: [3, 3, 27, 3], stochasticDepth: 0.4)
  public static let base = ConvNeXtConfig(dims: [128, 256, 512, 1024], depths: [3, 3, 27, 3], stochasticDepth: 0.5)
  public static let large = ConvNeXtConfig(dims: [192, 384, 768, 1536], depths: [3, 3, 27, 3], stochasticDepth: 0.5)

  /// The preset for "tiny", "small", "base" or "large" (also "t", "s", "b", "l").
  public static func preset(named name: String) throws -> ConvNeXtConfig {
    switch name.lowercased() {
    case "tiny", "t", "convnext_tiny": return .tiny
    case "small", "s", "convnext_small": return .small
    case "base", "b", "convnext_base": return .base
    case "large", "l", "convnext_large": return .large
    default: throw ModelConfigError.invalid("unknown ConvNeXt preset '\(name)' (tiny, small, base, large)")
    }
  }
}
