import CTorch

/// Where a tensor lives.
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
  case cpu
  case cuda(Int)
  /// Shapes and dtypes without data: every op runs its shape logic only. A model and its inputs
  /// on `meta` show any tensor a forward or backward pass creates on the CPU by mistake (the op
  /// then fails naming both devices), with no GPU at hand.
  case meta
  /// A test device: host memory on libtorch's PrivateUse1 key where every op computes on the
  /// CPU, but one that meets a CPU tensor (other than a 0-dim scalar) fails naming itself and the
  /// argument, as on a GPU. A model and its inputs on `audit` show any tensor that a pass creates
  /// on the CPU by mistake, with real values (unlike `meta`). Registered on first use.
  case audit

  var c: rs_device {
    switch self {
    case .cpu: return rs_device(type: 0, index: -1)
    case .cuda(let i): return rs_device(type: 1, index: Int32(i))
    case .meta: return rs_device(type: 2, index: -1)
    case .audit: return rs_device(type: 3, index: 0)
    }
  }

  init(_ d: rs_device) {
    switch d.type {
    case 1: self = .cuda(Int(max(d.index, 0)))
    case 2: self = .meta
    case 3: self = .audit
    default: self = .cpu
    }
  }

  /// Parses "cpu", "cuda", "cuda:N", "meta" or "audit".
  public init(parsing text: String) throws {
    switch text {
    case "cpu": self = .cpu
    case "cuda": self = .cuda(0)
    case "meta": self = .meta
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
    case .meta: return "meta"
    case .audit: return "audit"
    }
  }
}
