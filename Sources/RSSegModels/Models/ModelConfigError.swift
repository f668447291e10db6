/// A model configuration that cannot be built, or weights that do not fit the model.
public enum ModelConfigError: Error, CustomStringConvertible, Equatable {
  case invalid(String)

  public var description: String {
    switch self {
    case .invalid(let message): return message
    }
  }
}
