import CTorch

#if !arch(x86_64) && !arch(arm64)
#error("rsseg needs a 64-bit platform (Int must be Int64)")
#endif

/// An n-dimensional array backed by a libtorch `at::Tensor` (PyTorch's `torch.Tensor`).
///
/// `Tensor` is a reference: copies of a `Tensor` value share one libtorch tensor, and in-place
/// operations (`add_`, `copy_`, …) are seen through every reference, as in PyTorch. The handle
/// is released when the last Swift reference goes away (deterministically, no garbage
/// collector). Not `Sendable`: to hand data to another thread, copy it out (`scalars()`) or
/// create the tensor on that thread.
public final class Tensor {
  let handle: rs_tensor

  init(handle: rs_tensor) { self.handle = handle }
  deinit { rs_tensor_free(handle) }

  /// The number of dimensions.
  public var rank: Int { Int(rs_tensor_dim(handle)) }
  /// The size of each dimension.
  public var shape: [Int] {
    let n = rank
    if n == 0 { return [] }
    return [Int](unsafeUninitializedCapacity: n) { buf, count in
      buf.withMemoryRebound(to: Int64.self) { rs_tensor_sizes(handle, $0.baseAddress) }
      count = n
    }
  }
  /// Element strides of each dimension.
  public var strides: [Int] {
    let n = rank
    if n == 0 { return [] }
    return [Int](unsafeUninitializedCapacity: n) { buf, count in
      buf.withMemoryRebound(to: Int64.self) { rs_tensor_strides(handle, $0.baseAddress) }
      count = n
    }
  }
  public var count: Int { Int(rs_tensor_numel(handle)) }
  public var storageOffset: Int { Int(rs_tensor_storage_offset(handle)) }
  public var dtype: DType {
    let code = rs_tensor_dtype(handle)
    guard let d = DType(rawValue: code) else { fatalError("libtorch dtype \(code) has no Swift DType") }
    return d
  }
  public var device: Device { Device(rs_tensor_device(handle)) }
  public var isContiguous: Bool { rs_tensor_is_contiguous(handle) != 0 }

  /// Size of dimension `dim` (negative counts from the end).
  public func size(_ dim: Int) throws -> Int {
    let s = shape
    let d = dim < 0 ? dim + s.count : dim
    guard d >= 0, d < s.count else {
      throw TorchError.invalidArgument("dimension \(dim) out of range for a tensor of rank \(s.count)")
    }
    return s[d]
  }
}

extension Tensor: CustomStringConvertible {
  /// PyTorch's printed form.
  public var description: String {
    var text: UnsafeMutablePointer<CChar>?
    guard rs_tensor_description(&text, handle) == 0, let text else { return "Tensor(?)" }
    defer { rs_free_buffer(text) }
    return String(cString: text)
  }
}

/// Shapes are passed to CTorch as `int64_t` arrays; Swift's `Int` has that layout on the 64-bit
/// platforms rsseg supports, so no copy is made.
@inline(__always)
func withInt64s<R>(_ values: [Int], _ body: (UnsafePointer<Int64>?, Int64) throws -> R) rethrows -> R {
  try values.withUnsafeBufferPointer { buf in
    try buf.withMemoryRebound(to: Int64.self) { try body($0.baseAddress, Int64($0.count)) }
  }
}
