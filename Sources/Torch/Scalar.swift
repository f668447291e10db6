import CTorch

/// A number handed to libtorch as a Scalar. Integers stay integers so that integer tensors
/// keep their dtype (`labels + 1`), and floating values promote like Python floats.
public enum Scalar: Sendable, Equatable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
  ExpressibleByBooleanLiteral
{
  case float(Double)
  case int(Int64)
  case bool(Bool)

  public init(integerLiteral value: Int) { self = .int(Int64(value)) }
  public init(floatLiteral value: Double) { self = .float(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }

  var c: rs_scalar {
    switch self {
    case .float(let d): return rs_scalar(d: d, i: 0, kind: 0)
    case .int(let i): return rs_scalar(d: 0, i: i, kind: 1)
    case .bool(let b): return rs_scalar(d: 0, i: b ? 1 : 0, kind: 2)
    }
  }

  init(_ s: rs_scalar) {
    switch s.kind {
    case 1: self = .int(s.i)
    case 2: self = .bool(s.i != 0)
    default: self = .float(s.d)
    }
  }

  public var double: Double {
    switch self {
    case .float(let d): return d
    case .int(let i): return Double(i)
    case .bool(let b): return b ? 1 : 0
    }
  }
}

/// Swift numbers usable where a Scalar is expected.
public protocol ScalarConvertible { var scalar: Scalar { get } }
extension Double: ScalarConvertible { public var scalar: Scalar { .float(self) } }
extension Float: ScalarConvertible { public var scalar: Scalar { .float(Double(self)) } }
extension Int: ScalarConvertible { public var scalar: Scalar { .int(Int64(self)) } }
extension Int64: ScalarConvertible { public var scalar: Scalar { .int(self) } }
extension Int32: ScalarConvertible { public var scalar: Scalar { .int(Int64(self)) } }
extension Bool: ScalarConvertible { public var scalar: Scalar { .bool(self) } }
extension Scalar: ScalarConvertible { public var scalar: Scalar { self } }
