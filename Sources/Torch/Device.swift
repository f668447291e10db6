import CTorch

/// Where a tensor lives.
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
  case cpu
  case cuda(Int)

  var c: rs_device {
    switch self {
    case .cpu: return rs_device(type: 0, index: -1)
    case .cuda(let i): return rs_device(type: 1, index: Int32(i))
    }
  }

  init(_ d: rs_device) { self = d.type == 1 ? .cuda(Int(max(d.index, 0))) : .cpu }

  /// Parses "cpu", "cuda" or "cuda:N".
  public init(parsing text: String) throws {
    if text == "cpu" { self = .cpu; return }
    if text == "cuda" { self = .cuda(0); return }
    if text.hasPrefix("cuda:"), let i = Int(text.dropFirst(5)), i >= 0 { self = .cuda(i); return }
    throw TorchError.invalidArgument("unknown device '\(text)' (expected cpu, cuda or cuda:N)")
  }

  public var description: String {
    switch self {
    case .cpu: return "cpu"
    case .cuda(let i): return "cuda:\(i)"
    }
  }
}
