import CTorch

/// Where a tensor lives.
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
  case cpu
  case cuda(Int)
  /// A test device: host memory on libtorch's PrivateUse1 key where every op computes on the
  /// CPU, but one that meets a CPU tensor (other than a 0-dim scalar) fails naming itself and the
  /// argument, as on a GPU. A model and its inputs on `audit` show any tensor that a pass creates
  /// on the CPU by mistake, with real values. Registered when the program loads (the autograd engine counts devices once).
  case audit

  var c: rs_device {
    switch self {
    case .cpu: return rs_device(type: 0, index: -1)
    case .cuda(let i): return rs_device(type: 1, index: Int32(i))
    case .audit: return rs_device(type: 3, index: 0)
    }
  }

  init(_ d: rs_device) {
    switch d.type {
    case 1: self = .cuda(Int(max(d.index, 0)))
    case 3: self = .audit
    default: self = .cpu
    }
  }

  /// Parses "cpu", "cuda", "cuda:N" or "audit".
  public init(parsing text: String) throws {
    switch text {
    case "cpu": self = .cpu
    case "cuda": self = .cuda(0)
    case "audit": self = .audit
    default:
      guard text.hasPrefix("cuda:"), let i = Int(text.dropFirst(5)), i >= 0 else {
        throw TorchError.invalidArgument("unknown device '\(text)' (expected auto, cpu, cuda or cuda:N)")
      }
      self = .cuda(i)
    }
  }

  public var isCUDA: Bool {
    if case .cuda = self { return true }
    return false
  }

  public var description: String {
    switch self {
    case .cpu: return "cpu"
    case .cuda(let i): return "cuda:\(i)"
        case .audit: return "audit"
    }
  }
}
