import Foundation

/// Failures of the text encoder: a vocabulary or model folder that cannot be used.
public enum TextError: Error, CustomStringConvertible, Equatable {
  /// A file could not be read or parsed: the file and what is wrong with it.
  case badFile(path: String, problem: String)
  /// A model folder lacks a file it needs.
  case missingFile(path: String, what: String)
  /// The config asks for something this BERT does not implement.
  case unsupportedConfig(path: String, problem: String)
  /// Wrong input to the encoder (ids out of range, shapes that do not agree).
  case invalidInput(String)

  public var description: String {
    switch self {
    case .badFile(let path, let problem): return "\(path): \(problem)"
    case .missingFile(let path, let what): return "\(path): missing \(what)"
    case .unsupportedConfig(let path, let problem): return "\(path): unsupported config: \(problem)"
    case .invalidInput(let message): return message
    }
  }
}
