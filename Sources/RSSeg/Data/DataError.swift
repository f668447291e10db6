import Foundation
import RSSegModels

/// Problems with dataset files and folders. Each names the file or folder and the problem.
public enum DataError: Error, Equatable, CustomStringConvertible, LocalizedError {
  /// A sample (image or mask) that cannot be used: corrupt, wrong size, wrong band count, ….
  case badSample(path: String, problem: String)
  /// Mask values or colours outside the dataset's encoding, with their pixel counts.
  case unknownLabels(path: String, labels: [UnknownLabel])
  /// A dataset folder that is missing, empty or not in the expected layout.
  case layout(path: String, problem: String)
  /// An output location that must not be used (e.g. inside the source) or cannot be written.
  case output(path: String, problem: String)
  /// A setting that cannot work (batch size 0, …).
  case invalidArgument(String)

  public var description: String {
    switch self {
    case .badSample(let path, let problem), .layout(let path, let problem), .output(let path, let problem):
      return "\(path): \(problem)"
    case .invalidArgument(let message):
      return message
    case .unknownLabels(let path, let labels):
      let shown = labels.prefix(5).map { "\($0.label) (\($0.pixels) px)" }.joined(separator: ", ")
      return "\(path): unknown label \(labels.count == 1 ? "value" : "values") \(shown)\(labels.count > 5 ? ", …" : "")"
    }
  }

  public var errorDescription: String? { description }

  /// The file or folder the error is about ("" for `invalidArgument`).
  public var path: String {
    switch self {
    case .badSample(let p, _), .unknownLabels(let p, _), .layout(let p, _), .output(let p, _): return p
    case .invalidArgument: return ""
    }
  }
}

/// A mask value (or RGB colour) that the encoding does not know, and how many pixels had it.
public struct UnknownLabel: Sendable, Equatable, Hashable {
  /// "17" for a value, "(12,200,3)" for a colour.
  public var label: String
  public var pixels: Int
}
