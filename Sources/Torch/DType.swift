import CTorch

/// Element types; raw values are libtorch's `c10::ScalarType` codes.
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
  case uint8 = 0
  case int8 = 1
  case int16 = 2
  case int32 = 3
  case int64 = 4
  case float16 = 5
  case float32 = 6
  case float64 = 7
  case bool = 11
  case bfloat16 = 15

  /// Bytes per element.
  public var size: Int { Int(rs_dtype_element_size(rawValue)) }
  public var isFloatingPoint: Bool { [.float16, .float32, .float64, .bfloat16].contains(self) }

  /// PyTorch's name without `torch.` (as `print(t.dtype)` shows it).
  public var description: String {
    switch self {
    case .uint8: return "uint8"
    case .int8: return "int8"
    case .int16: return "int16"
    case .int32: return "int32"
    case .int64: return "int64"
    case .float16: return "float16"
    case .float32: return "float32"
    case .float64: return "float64"
    case .bool: return "bool"
    case .bfloat16: return "bfloat16"
    }
  }

  /// The dtype for a PyTorch or safetensors name ("float32", "F32", "torch.float", "BF16", …).
  public init?(name: String) {
    let n = name.hasPrefix("torch.") ? String(name.dropFirst(6)) : name
    switch n {
    case "uint8", "U8", "ByteStorage": self = .uint8
    case "int8", "I8", "CharStorage": self = .int8
    case "int16", "short", "I16", "ShortStorage": self = .int16
    case "int32", "int", "I32", "IntStorage": self = .int32
    case "int64", "long", "I64", "LongStorage": self = .int64
    case "float16", "half", "F16", "HalfStorage": self = .float16
    case "float32", "float", "F32", "FloatStorage": self = .float32
    case "float64", "double", "F64", "DoubleStorage": self = .float64
    case "bool", "BOOL", "BoolStorage": self = .bool
    case "bfloat16", "BF16", "BFloat16Storage": self = .bfloat16
    default: return nil
    }
  }
}

/// Swift element types that map to a dtype.
public protocol TensorElement: Sendable {
  static var dtype: DType { get }
}
extension Float: TensorElement { public static var dtype: DType { .float32 } }
extension Double: TensorElement { public static var dtype: DType { .float64 } }
extension Int64: TensorElement { public static var dtype: DType { .int64 } }
extension Int32: TensorElement { public static var dtype: DType { .int32 } }
extension UInt8: TensorElement { public static var dtype: DType { .uint8 } }
extension Int8: TensorElement { public static var dtype: DType { .int8 } }
extension Int16: TensorElement { public static var dtype: DType { .int16 } }
extension Bool: TensorElement { public static var dtype: DType { .bool } }
extension Float16: TensorElement { public static var dtype: DType { .float16 } }
