import Torch

extension BiCoRSeg {
  /// Loads reference weights strictly. Accepts the reference `state_dict` as is, or an official
  /// Lightning checkpoint's `state_dict` whose keys carry the prefix `net.`.
  ///
  /// - Throws: `StateDictError` listing every missing, unexpected and mis-shaped key.
  public func loadReference(_ stateDict: [String: Tensor]) throws {
    let prefix = "net."
    let hasPrefix = !stateDict.isEmpty && stateDict.keys.allSatisfy { $0.hasPrefix(prefix) }
    let keys = hasPrefix
      ? Dictionary(uniqueKeysWithValues: stateDict.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
      : stateDict
    try loadStateDict(keys, strict: true)
  }

  /// Loads torchvision ImageNet ConvNeXt weights (`features.*`) into the encoder.
  @discardableResult
  public func loadImageNetEncoder(_ stateDict: [String: Tensor]) throws -> PretrainedLoadReport {
    try backbone.loadTorchvision(stateDict)
  }
}
