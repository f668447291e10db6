import CTorch

// Shape and view operations. Views share storage with their source, as in PyTorch.

extension Tensor {
  /// `x.reshape(shape)`: a view when possible, else a copy; one size may be -1.
  public func reshape(_ shape: [Int]) throws -> Tensor {
    try withInt64s(shape) { p, n in try makeTensor("reshape") { rs_reshape($0, handle, p, n) } }
  }

  /// `x.view(shape)`: a view with a new shape (fails when the strides do not allow it).
  public func view(_ shape: [Int]) throws -> Tensor {
    try withInt64s(shape) { p, n in try makeTensor("view") { rs_view($0, handle, p, n) } }
  }

  /// `x.permute(dims)`: a view with the dimensions reordered.
  public func permute(_ dims: [Int]) throws -> Tensor {
    try withInt64s(dims) { p, n in try makeTensor("permute") { rs_permute($0, handle, p, n) } }
  }

  /// `x.transpose(a, b)`: a view with two dimensions swapped.
  public func transpose(_ a: Int, _ b: Int) throws -> Tensor {
    try makeTensor("transpose") { rs_transpose($0, handle, Int64(a), Int64(b)) }
  }

  /// `x.flatten(start_dim, end_dim)`.
  public func flatten(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
    try makeTensor("flatten") { rs_flatten($0, handle, Int64(startDim), Int64(endDim)) }
  }

  /// `x.unsqueeze(dim)`: a view with a size-1 dimension inserted at `dim`.
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

  /// `torch.cat(tensors, dim)`.
  public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
    try withHandles(tensors) { p, n in try makeTensor("cat") { rs_cat($0, p, n, Int64(dim)) } }
  }

  /// `torch.stack(tensors, dim)`: joins along a new dimension.
  public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
    try withHandles(tensors) { p, n in try makeTensor("stack") { rs_stack($0, p, n, Int64(dim)) } }
  }

  /// `x.expand(shape)`: a view broadcasting size-1 dimensions to `shape` (-1 keeps a size).
  public func expand(_ shape: [Int]) throws -> Tensor {
    try withInt64s(shape) { p, n in try makeTensor("expand") { rs_expand($0, handle, p, n) } }
  }

  /// `x.expand_as(other)`.
  public func expandAs(_ other: Tensor) throws -> Tensor { try expand(other.shape) }

  /// `torch.broadcast_to(x, shape)`.
  public func broadcastTo(_ shape: [Int]) throws -> Tensor {
    try withInt64s(shape) { p, n in try makeTensor("broadcast_to") { rs_broadcast_to($0, handle, p, n) } }
  }

  /// `torch.broadcast_tensors(*tensors)`: views of every tensor expanded to the common shape.
  public static func broadcastTensors(_ tensors: [Tensor]) throws -> [Tensor] {
    try withHandles(tensors) { p, n in try makeTensors("broadcast_tensors") { rs_broadcast_tensors($0, $1, p, n) } }
  }

  /// `x.repeat(repeats)`: tiles the tensor `repeats[i]` times along dimension i (a copy).
  public func `repeat`(_ repeats: [Int]) throws -> Tensor {
    try withInt64s(repeats) { p, n in try makeTensor("repeat") { rs_repeat($0, handle, p, n) } }
  }

  /// `x.repeat_interleave(repeats, dim)`: repeats each element `repeats` times along `dim`.
  public func repeatInterleave(_ repeats: Int, dim: Int) throws -> Tensor {
    try makeTensor("repeat_interleave") { rs_repeat_interleave($0, handle, Int64(repeats), Int64(dim)) }
  }

  /// `x.narrow(dim, start, length)`: a view of `length` elements from `start` along `dim`.
  public func narrow(dim: Int, start: Int, length: Int) throws -> Tensor {
    try makeTensor("narrow") { rs_narrow($0, handle, Int64(dim), Int64(start), Int64(length)) }
  }

  /// `x.select(dim, index)`: the view at `index` along `dim`, which is removed.
  public func select(dim: Int, index: Int) throws -> Tensor {
    try makeTensor("select") { rs_select($0, handle, Int64(dim), Int64(index)) }
  }

  /// `x[..., start:end:step]` along `dim` as a view; nil `end` runs to the end; negative bounds
  /// count from the end; `step` must be positive (as in PyTorch).
  public func slice(dim: Int, start: Int = 0, end: Int? = nil, step: Int = 1) throws -> Tensor {
    try makeTensor("slice") { rs_slice($0, handle, Int64(dim), Int64(start), end.map(Int64.init) ?? Int64.max, Int64(step)) }
  }

  /// `x.chunk(chunks, dim)`: up to `chunks` views of equal size (the last may be smaller).
  public func chunk(_ chunks: Int, dim: Int = 0) throws -> [Tensor] {
    try makeTensors("chunk") { rs_chunk($0, $1, handle, Int64(chunks), Int64(dim)) }
  }

  /// `x.split(size, dim)`: views of `size` elements along `dim` (the last may be smaller).
  public func split(_ size: Int, dim: Int = 0) throws -> [Tensor] {
    try makeTensors("split") { rs_split($0, $1, handle, Int64(size), Int64(dim)) }
  }

  /// `x.split(sizes, dim)`: views with the given sizes along `dim` (they must add up to its size).
  public func split(sizes: [Int], dim: Int = 0) throws -> [Tensor] {
    try withInt64s(sizes) { p, n in
      try makeTensors("split_with_sizes") { rs_split_with_sizes($0, $1, handle, p, n, Int64(dim)) }
    }
  }

  /// `x.unbind(dim)`: the views along `dim`, which is removed from each.
  public func unbind(dim: Int = 0) throws -> [Tensor] {
    try makeTensors("unbind") { rs_unbind($0, $1, handle, Int64(dim)) }
  }

  /// `x.flip(dims)`: reverses the order along each of `dims` (a copy).
  public func flip(_ dims: [Int]) throws -> Tensor {
    try withInt64s(dims) { p, n in try makeTensor("flip") { rs_flip($0, handle, p, n) } }
  }

  /// `x.roll(shifts, dims)`: shifts elements cyclically; with empty `dims`, over the flattened tensor.
  public func roll(shifts: [Int], dims: [Int] = []) throws -> Tensor {
    try withInt64s(shifts) { s, ns in
      try withInt64s(dims) { d, nd in try makeTensor("roll") { rs_roll($0, handle, s, ns, d, nd) } }
    }
  }

  /// `x.roll(shift, dim)`.
  public func roll(_ shift: Int, dim: Int) throws -> Tensor { try roll(shifts: [shift], dims: [dim]) }

  /// `x.rot90(k, dims)`: rotates by 90° `k` times from the first towards the second of `dims`.
  public func rot90(_ k: Int = 1, dims: (Int, Int) = (0, 1)) throws -> Tensor {
    try makeTensor("rot90") { rs_rot90($0, handle, Int64(k), Int64(dims.0), Int64(dims.1)) }
  }

  /// `x.tril(diagonal)`: zeroes the elements above the `diagonal`-th diagonal of the last two dims.
  public func tril(_ diagonal: Int = 0) throws -> Tensor {
    try makeTensor("tril") { rs_triangle($0, handle, Int64(diagonal), 0) }
  }

  /// `x.triu(diagonal)`: zeroes the elements below the `diagonal`-th diagonal of the last two dims.
  public func triu(_ diagonal: Int = 0) throws -> Tensor {
    try makeTensor("triu") { rs_triangle($0, handle, Int64(diagonal), 1) }
  }

  /// `x.unflatten(dim, sizes)`: splits dimension `dim` into `sizes` (one may be -1).
  public func unflatten(dim: Int, sizes: [Int]) throws -> Tensor {
    try withInt64s(sizes) { p, n in try makeTensor("unflatten") { rs_unflatten($0, handle, Int64(dim), p, n) } }
  }

  /// `torch.movedim(x, source, destination)`: a view with dimensions moved to new positions.
  public func movedim(_ source: [Int], _ destination: [Int]) throws -> Tensor {
    guard source.count == destination.count else {
      throw TorchError.invalidArgument("movedim: \(source.count) source dims but \(destination.count) destinations")
    }
    return try withInt64s(source) { s, n in
      try withInt64s(destination) { d, _ in try makeTensor("movedim") { rs_movedim($0, handle, s, d, n) } }
    }
  }

  /// `torch.movedim(x, source, destination)` for one dimension.
  public func movedim(_ source: Int, _ destination: Int) throws -> Tensor { try movedim([source], [destination]) }

  /// How `meshgrid` orders its outputs: `ij` (matrix, PyTorch's default) or `xy` (Cartesian).
  public enum MeshgridIndexing: String, Sendable { case ij, xy }

  /// `torch.meshgrid(*tensors, indexing=)`: coordinate grids from 1-D tensors.
  public static func meshgrid(_ tensors: [Tensor], indexing: MeshgridIndexing = .ij) throws -> [Tensor] {
    try withHandles(tensors) { p, n in
      try makeTensors("meshgrid") { rs_meshgrid($0, $1, p, n, indexing.rawValue) }
    }
  }

  /// `x.diagonal(offset, dim1, dim2)`: a view of a diagonal, appended as the last dimension.
  public func diagonal(offset: Int = 0, dim1: Int = 0, dim2: Int = 1) throws -> Tensor {
    try makeTensor("diagonal") { rs_diagonal($0, handle, Int64(offset), Int64(dim1), Int64(dim2)) }
  }
}

/// Passes a list of tensors to CTorch as an array of handles.
func withHandles<R>(_ tensors: [Tensor], _ body: (UnsafePointer<rs_tensor?>?, Int64) throws -> R) rethrows -> R {
  let handles: [rs_tensor?] = tensors.map { $0.handle }
  return try withExtendedLifetime(tensors) {
    try handles.withUnsafeBufferPointer { try body($0.baseAddress, Int64($0.count)) }
  }
}
