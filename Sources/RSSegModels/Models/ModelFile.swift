import Torch

/// A self-describing model file: a safetensors file with the state dict under its PyTorch names
/// and a `ModelDescription` in the metadata (format, architecture, config, class names, palette,
/// normalisation, band order, source). Any safetensors reader can open it.
public enum ModelFile {
  /// The value of the `format` metadata key.
  public static let format = "rsseg-model-1"

  /// Writes `model`'s parameters and persistent buffers with `description` to `path` (atomically),
  /// leaving out training-only ones (`TrainingOnlyParameters`).
  public static func write(_ model: Module, description: ModelDescription, to path: String) throws {
    let prefixes = (model as? any TrainingOnlyParameters)?.trainingOnlyPrefixes ?? []
    let state = try model.orderedStateDict().filter { entry in !prefixes.contains { entry.key.hasPrefix($0) } }
    try SafeTensors.write(state, metadata: description.metadata, to: path)
  }

  /// The description and the tensors of the model file at `path` (int8-stored tensors decoded, `Int8Storage`).
  public static func read(_ path: String) throws -> (description: ModelDescription, stateDict: [String: Tensor]) {
    let file = try SafeTensors.read(path)
    let description = try ModelDescription(metadata: file.metadata, path: path)
    return (description, try Int8Storage.decode(Dictionary(uniqueKeysWithValues: try file.tensors()), path: path))
  }
}

/// A model file that cannot be used.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
  case missing(path: String, key: String)
  case malformed(path: String, key: String, String)
  case architecture(path: String, found: String, expected: String)
  case tensor(path: String, key: String, String)

  public var description: String {
    switch self {
    case .missing(let path, let key): return "\(path): not an rsseg model file (no '\(key)' in the metadata)"
    case .malformed(let path, let key, let message): return "\(path): metadata '\(key)': \(message)"
    case .architecture(let path, let found, let expected):
      return "\(path): holds a '\(found)' model, not '\(expected)'"
    case .tensor(let path, let key, let message): return "\(path): tensor '\(key)': \(message)"
    }
  }
}
