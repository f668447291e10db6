import CTorch

/// Every failure in the Torch layer.
///
/// Error convention: every operation that can fail `throws` (one `try` covers a whole
/// expression such as `try (a + b).relu()`). Shape, dtype and device errors from libtorch arrive
/// as `.libtorch` with libtorch's own message, so a caller can recover (for example retry a
/// sliding window on the CPU after a CUDA out-of-memory error). Nothing returns a silently
/// wrong result.
public enum TorchError: Error, CustomStringConvertible, Equatable {
  /// libtorch rejected the call; `message` is libtorch's text.
  case libtorch(op: String, message: String)
  /// A Swift-side argument check failed before libtorch was called.
  case invalidArgument(String)
  /// A file could not be read or written, or its content is malformed.
  case io(path: String, message: String)

  public var description: String {
    switch self {
    case .libtorch(let op, let message): return "\(op): \(message)"
    case .invalidArgument(let message): return message
    case .io(let path, let message): return "\(path): \(message)"
    }
  }
}

/// Turns a CTorch status into a thrown `TorchError.libtorch`.
@inline(__always)
func check(_ status: rs_status, _ op: @autoclosure () -> String) throws {
  if status != 0 { throw TorchError.libtorch(op: op(), message: String(cString: rs_last_error())) }
}

/// Runs a CTorch call that produces one tensor.
@inline(__always)
func makeTensor(_ op: @autoclosure () -> String, _ call: (UnsafeMutablePointer<rs_tensor?>) -> rs_status) throws -> Tensor {
  var out: rs_tensor?
  try check(call(&out), op())
  return Tensor(handle: out!)
}

/// Runs a CTorch call that produces a list of tensors.
func makeTensors(
  _ op: @autoclosure () -> String,
  _ call: (UnsafeMutablePointer<UnsafeMutablePointer<rs_tensor?>?>, UnsafeMutablePointer<Int64>) -> rs_status
) throws -> [Tensor] {
  var list: UnsafeMutablePointer<rs_tensor?>?
  var count: Int64 = 0
  try check(call(&list, &count), op())
  defer { rs_free_buffer(list) }
  return (0..<Int(count)).map { Tensor(handle: list![$0]!) }
}
