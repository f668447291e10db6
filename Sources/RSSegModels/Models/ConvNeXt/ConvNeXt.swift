import Torch

// ConvNeXt (Liu et al., "A ConvNet for the 2020s", CVPR 2022) as torchvision builds it
// (torchvision/models/convnext.py), used as a multi-scale encoder: only the four stage outputs
// are computed; torchvision's avgpool and classifier are not part of this module.

/// A torchvision ConvNeXt backbone with state-dict keys `features.<i>...`.
public final class ConvNeXt: Module {
  public let features: ConvNeXtFeatures

  public init(_ config: ConvNeXtConfig) throws {
    features = try ConvNeXtFeatures(config)
    super.init()
  }

  /// The four stage outputs (strides 4, 8, 16, 32).
  public func callAsFunction(_ x: Tensor) throws -> [Tensor] { try features(x) }
}

/// What loading torchvision ImageNet weights did.
public struct PretrainedLoadReport: Sendable, Equatable, CustomStringConvertible {
  /// Keys copied into the model (model names).
  public var loaded: [String]
  /// Keys of the file that the backbone does not use (torchvision's `classifier.*`).
  public var ignored: [String]

  public var description: String {
    "loaded \(loaded.count) tensors" + (ignored.isEmpty ? "" : "; ignored \(ignored.count) (\(ignored.joined(separator: ", ")))")
  }
}

extension ConvNeXtFeatures {
  /// Loads torchvision ImageNet weights (keys `features.<i>...`, as in convnext_base-6075fbad.pth).
  /// Every feature key of the model must be present with its shape (strict); `classifier.*` and
  /// other keys outside `features.` are ignored and listed in the report.
  ///
  /// - Throws: `StateDictError` listing missing, unexpected and mis-shaped `features.` keys.
  @discardableResult
  public func loadTorchvision(_ stateDict: [String: Tensor]) throws -> PretrainedLoadReport {
    let prefix = "features."
    var features: [String: Tensor] = [:]
    var ignored: [String] = []
    for (key, tensor) in stateDict {
      if key.hasPrefix(prefix) {
        features[String(key.dropFirst(prefix.count))] = tensor
      } else {
        ignored.append(key)
      }
    }
    try loadStateDict(features, strict: true)
    return PretrainedLoadReport(loaded: features.keys.sorted().map { prefix + $0 }, ignored: ignored.sorted())
  }

  /// Loads torchvision's ImageNet file (e.g. convnext_base-6075fbad.pth) as `loadTorchvision(_:)`.
  @discardableResult
  public func loadTorchvision(path: String) throws -> PretrainedLoadReport {
    try loadTorchvision(WeightFiles.stateDict(at: path))
  }
}
