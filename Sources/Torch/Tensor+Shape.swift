import CTorch

// Shape and view operations. Views share storage with their source, as in PyTorch.

extension Tensor {
  public func reshape(_ shape: [Int]) throws -> Tensor {
    try withInt64s(shape) { p, n in try makeTensor("reshape") { rs_reshape($0, handle, p, n) } }
  }

  public func view(_ shape: [Int]) throws -> Tensor {
    try withInt64s(shape) { p, n in try makeTensor("view") { rs_view($0, handle, p, n) } }
  }

  public func permute(_ dims: [Int]) throws -> Tensor {
    try withInt64s(dims) { p, n in try makeTensor("permute") { rs_permute($0, handle, p, n) } }
  }

  public func transpose(_ a: Int, _ b: Int) throws -> Tensor {
    try makeTensor("transpose") { rs_transpose($0, handle, Int64(a), Int64(b)) }
  }

  public func flatten(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
    try makeTensor("flatten") { rs_flatten($0, handle, Int64(startDim), Int64(endDim)) }
  }

  public func unsqueeze(_ dim: Int) throws -> Tensor {
    try makeTensor("unsqueeze") { rs_unsqueeze($0, handle, Int64(dim)) }
  }

  /// Removes dimension `dim` if it has size 1, or every size-1 dimension when `dim` is nil.
  public func squeeze(_ dim: Int? = nil) throws -> Tensor {
    try makeTensor("squeeze") { rs_squeeze($0, handle, Int64(dim ?? 0), dim == nil ? 0 : 1) }
  }

  /// A view with the given shape and element strides into this tensor's storage.
  public func asStrided(_ shape: [Int], strides: [Int], storageOffset: Int = 0) throws -> Tensor {
    guard shape.count == strides.count else {
      throw TorchError.invalidArgument("asStrided: \(shape.count) sizes but \(strides.count) strides")
    }
    return try withInt64s(shape) { s, n in
      try withInt64s(strides) { st, _ in
        try makeTensor("as_strided") { rs_as_strided($0, handle, s, st, n, Int64(storageOffset)) }
      }
    }
  }

  public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
    try withHandles(tensors) { p, n in try makeTensor("cat") { rs_cat($0, p, n, Int64(dim)) } }
  }

  public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
    try withHandles(tensors) { p, n in try makeTensor("stack") { rs_stack($0, p, n, Int64(dim)) } }
  }
}

/// Passes a list of tensors to CTorch as an array of handles.
func withHandles<R>(_ tensors: [Tensor], _ body: (UnsafePointer<rs_tensor?>?, Int64) throws -> R) rethrows -> R {
  let handles: [rs_tensor?] = tensors.map { $0.handle }
  return try withExtendedLifetime(tensors) {
    try handles.withUnsafeBufferPointer { try body($0.baseAddress, Int64($0.count)) }
  }
}
