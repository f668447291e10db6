import CTorch

extension Tensor {
  /// All elements in row-major order, converted to `T` (any layout or device).
  public func scalars<T: TensorElement>(as type: T.Type = T.self) throws -> [T] {
    let source = dtype == T.dtype ? self : try to(T.dtype)
    let n = count
    return try [T](unsafeUninitializedCapacity: n) { buf, initialized in
      try check(rs_tensor_copy_to_host(source.handle, buf.baseAddress, Int64(n * T.dtype.size)), "scalars")
      initialized = n
    }
  }

  /// The raw bytes of all elements in row-major order, in this tensor's dtype.
  public func bytes() throws -> [UInt8] {
    let n = count * dtype.size
    return try [UInt8](unsafeUninitializedCapacity: n) { buf, initialized in
      try check(rs_tensor_copy_to_host(handle, buf.baseAddress, Int64(n)), "bytes")
      initialized = n
    }
  }

  /// The value of a one-element tensor.
  public func item() throws -> Scalar {
    var s = rs_scalar()
    try check(rs_tensor_item(handle, &s), "item")
    return Scalar(s)
  }

  public func double() throws -> Double { try item().double }
  public func float() throws -> Float { Float(try item().double) }
  public func int() throws -> Int {
    switch try item() {
    case .int(let i): return Int(i)
    case .bool(let b): return b ? 1 : 0
    case .float(let d): return Int(d)
    }
  }

  /// Calls `body` with the CPU memory of this tensor, which must be contiguous, without copying.
  public func withUnsafeRawPointer<R>(_ body: (UnsafeRawPointer) throws -> R) throws -> R {
    guard isContiguous, device == .cpu else {
      throw TorchError.invalidArgument("withUnsafeRawPointer needs a contiguous CPU tensor")
    }
    var p: UnsafeMutableRawPointer?
    try check(rs_tensor_data_ptr(handle, &p), "data_ptr")
    return try withExtendedLifetime(self) { try body(UnsafeRawPointer(p!)) }
  }

  /// Calls `body` with the elements of this contiguous CPU tensor of dtype `T.dtype`, without copying.
  public func withUnsafeBufferPointer<T: TensorElement, R>(as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) throws -> R {
    guard dtype == T.dtype else {
      throw TorchError.invalidArgument("withUnsafeBufferPointer(as: \(T.self)) on a \(dtype) tensor")
    }
    let n = count
    return try withUnsafeRawPointer { raw in
      try body(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: T.self), count: n))
    }
  }

  /// `tensor.to(dtype)`.
  public func to(_ dtype: DType, copy: Bool = false) throws -> Tensor {
    try makeTensor("to(\(dtype))") { rs_tensor_to($0, handle, dtype.rawValue, rs_device(type: -1, index: -1), 0, copy ? 1 : 0) }
  }

  /// `tensor.to(device)`; `nonBlocking` overlaps host-to-GPU copies from pinned memory.
  public func to(_ device: Device, dtype: DType? = nil, nonBlocking: Bool = false) throws -> Tensor {
    try makeTensor("to(\(device))") {
      rs_tensor_to($0, handle, dtype?.rawValue ?? -1, device.c, nonBlocking ? 1 : 0, 0)
    }
  }

  public func contiguous(channelsLast: Bool = false) throws -> Tensor {
    try makeTensor("contiguous") { rs_tensor_contiguous($0, handle, channelsLast ? 1 : 0) }
  }

  public func clone() throws -> Tensor { try makeTensor("clone") { rs_tensor_clone($0, handle) } }

  /// In place: `self.copy_(source)` with broadcasting and conversion.
  @discardableResult
  public func copy_(_ source: Tensor) throws -> Tensor {
    try check(rs_tensor_copy_(handle, source.handle), "copy_")
    return self
  }

  /// `self.data = source`: this tensor takes source's storage, dtype and device while staying the
  /// same autograd leaf (how modules change dtype or device).
  public func setData(_ source: Tensor) throws {
    try check(rs_tensor_set_data(handle, source.handle), "set_data")
  }

  /// A second reference to the same libtorch tensor (same storage, same autograd identity).
  public func alias() throws -> Tensor { try makeTensor("alias") { rs_tensor_alias($0, handle) } }
}
