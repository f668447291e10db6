/// A prediction that cannot run.
public enum InferenceError: Error, CustomStringConvertible, Equatable {
  case invalidArgument(String)
  case outputExists(path: String)
  /// Scratch space (`TensorSpill`) could not be written or read back.
  case temporaryStorage(String)

  public var description: String {
    switch self {
    case .invalidArgument(let message): return message
    case .outputExists(let path): return "\(path) exists"
    case .temporaryStorage(let message): return message
    }
  }
}
