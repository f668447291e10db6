import Torch

extension BiCoRSeg {
  /// Loads reference weights strictly. Accepts the reference `state_dict` as is, or an official
  /// Lightning checkpoint's `state_dict` whose keys carry the prefix `net.` (stripped).
  ///
  /// - Throws: `StateDictError` listing every missing, unexpected and mis-shaped key.
  public func loadReference(_ stateDict: [String: Tensor]) throws {
    let prefix = "net."
    var keys: [String: Tensor] = [:]
    for (key, tensor) in stateDict {
      let name = key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
      guard keys.updateValue(tensor, forKey: name) == nil else {
        throw ModelConfigError.invalid("BiCoR-Seg weights hold '\(name)' both with and without the prefix '\(prefix)'")
      }
    }
    try loadStateDict(keys, strict: true)
  }

  /// Loads reference weights from a file: an official Lightning `.ckpt` (its `state_dict`), a
  /// `.pth` state dict or a `.safetensors` file.
  public func loadReference(path: String) throws {
    try loadReference(WeightFiles.stateDict(at: path))
  }

  /// Loads torchvision ImageNet ConvNeXt weights (`features.*`) into the encoder.
  @discardableResult
  public func loadImageNetEncoder(_ stateDict: [String: Tensor]) throws -> PretrainedLoadReport {
    try backbone.loadTorchvision(stateDict)
  }

  /// Loads torchvision's ImageNet ConvNeXt file (e.g. convnext_base-6075fbad.pth) into the encoder.
  @discardableResult
  public func loadImageNetEncoder(path: String) throws -> PretrainedLoadReport {
    try backbone.loadTorchvision(path: path)
  }
}
