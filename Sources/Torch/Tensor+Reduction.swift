import CTorch

// Reductions (sum, mean, amax, std, norm, …), arg-reductions, cumulative ops, clamp and the fused
// element-wise ops optimisers use (lerp, addcmul, addcdiv).
//
// Each reduction comes in three forms, as in PyTorch: over every element (`x.sum()`), over one
// dimension (`x.sum(dim: 1)`) and over several (`x.sum(dims: [2, 3], keepDim: true)`). An empty
// `dims` list reduces every dimension.

extension Tensor {
  func reduce(_ op: rs_reduce_op, _ dims: [Int], _ keepDim: Bool, _ dtype: DType?, _ name: String) throws -> Tensor {
    try withInt64s(dims) { p, n in
      try makeTensor(name) { rs_reduce($0, op, handle, p, n, keepDim ? 1 : 0, dtype?.rawValue ?? -1) }
    }
  }

  // MARK: sum, mean, prod, nansum

  /// `x.sum(dtype=)`: the sum of all elements as a 0-dim tensor.
  public func sum(dtype: DType? = nil) throws -> Tensor { try reduce(RS_REDUCE_SUM, [], false, dtype, "sum") }
  /// `x.sum(dim, keepdim, dtype=)`.
  public func sum(dim: Int, keepDim: Bool = false, dtype: DType? = nil) throws -> Tensor {
    try reduce(RS_REDUCE_SUM, [dim], keepDim, dtype, "sum")
  }
  /// `x.sum(dims, keepdim, dtype=)`.
  public func sum(dims: [Int], keepDim: Bool = false, dtype: DType? = nil) throws -> Tensor {
    try reduce(RS_REDUCE_SUM, dims, keepDim, dtype, "sum")
  }

  /// `x.mean(dtype=)` over all elements (floating dtypes only, as in PyTorch).
  public func mean(dtype: DType? = nil) throws -> Tensor { try reduce(RS_REDUCE_MEAN, [], false, dtype, "mean") }
  /// `x.mean(dim, keepdim, dtype=)`.
  public func mean(dim: Int, keepDim: Bool = false, dtype: DType? = nil) throws -> Tensor {
    try reduce(RS_REDUCE_MEAN, [dim], keepDim, dtype, "mean")
  }
  /// `x.mean(dims, keepdim, dtype=)`.
  public func mean(dims: [Int], keepDim: Bool = false, dtype: DType? = nil) throws -> Tensor {
    try reduce(RS_REDUCE_MEAN, dims, keepDim, dtype, "mean")
  }

  /// `x.prod(dtype=)` over all elements.
  public func prod(dtype: DType? = nil) throws -> Tensor { try reduce(RS_REDUCE_PROD, [], false, dtype, "prod") }
  /// `x.prod(dim, keepdim, dtype=)`.
  public func prod(dim: Int, keepDim: Bool = false, dtype: DType? = nil) throws -> Tensor {
    try reduce(RS_REDUCE_PROD, [dim], keepDim, dtype, "prod")
  }
  /// The product over several dimensions (PyTorch reduces one at a time).
  public func prod(dims: [Int], keepDim: Bool = false, dtype: DType? = nil) throws -> Tensor {
    try reduce(RS_REDUCE_PROD, dims, keepDim, dtype, "prod")
  }

  /// `torch.nansum`: the sum treating NaN as zero.
  public func nansum(dims: [Int] = [], keepDim: Bool = false, dtype: DType? = nil) throws -> Tensor {
    try reduce(RS_REDUCE_NANSUM, dims, keepDim, dtype, "nansum")
  }

  // MARK: amax, amin, max, min, logsumexp

  /// `x.amax()`: the largest element as a 0-dim tensor.
  public func amax() throws -> Tensor { try reduce(RS_REDUCE_AMAX, [], false, nil, "amax") }
  /// `x.amax(dim, keepdim)`.
  public func amax(dim: Int, keepDim: Bool = false) throws -> Tensor { try reduce(RS_REDUCE_AMAX, [dim], keepDim, nil, "amax") }
  /// `x.amax(dims, keepdim)`.
  public func amax(dims: [Int], keepDim: Bool = false) throws -> Tensor { try reduce(RS_REDUCE_AMAX, dims, keepDim, nil, "amax") }
  /// `x.amin()`: the smallest element as a 0-dim tensor.
  public func amin() throws -> Tensor { try reduce(RS_REDUCE_AMIN, [], false, nil, "amin") }
  /// `x.amin(dim, keepdim)`.
  public func amin(dim: Int, keepDim: Bool = false) throws -> Tensor { try reduce(RS_REDUCE_AMIN, [dim], keepDim, nil, "amin") }
  /// `x.amin(dims, keepdim)`.
  public func amin(dims: [Int], keepDim: Bool = false) throws -> Tensor { try reduce(RS_REDUCE_AMIN, dims, keepDim, nil, "amin") }

  /// `x.max()`: the largest element as a 0-dim tensor.
  public func max() throws -> Tensor { try amax() }
  /// `x.min()`: the smallest element as a 0-dim tensor.
  public func min() throws -> Tensor { try amin() }

  /// `x.max(dim, keepdim)`: the largest values along `dim` and their int64 indices.
  public func max(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
    try minmax(isMax: true, dim: dim, keepDim: keepDim)
  }
  /// `x.min(dim, keepdim)`: the smallest values along `dim` and their int64 indices.
  public func min(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
    try minmax(isMax: false, dim: dim, keepDim: keepDim)
  }

  private func minmax(isMax: Bool, dim: Int, keepDim: Bool) throws -> (values: Tensor, indices: Tensor) {
    var values: rs_tensor?
    var indices: rs_tensor?
    try check(rs_minmax_dim(&values, &indices, isMax ? 1 : 0, handle, Int64(dim), keepDim ? 1 : 0), isMax ? "max" : "min")
    return (Tensor(handle: values!), Tensor(handle: indices!))
  }

  /// `torch.logsumexp(x, dim, keepdim)`: log of the sum of exponentials, computed stably.
  public func logsumexp(dim: Int, keepDim: Bool = false) throws -> Tensor {
    try reduce(RS_REDUCE_LOGSUMEXP, [dim], keepDim, nil, "logsumexp")
  }
  /// `torch.logsumexp(x, dims, keepdim)`; empty `dims` reduces every dimension.
  public func logsumexp(dims: [Int], keepDim: Bool = false) throws -> Tensor {
    try reduce(RS_REDUCE_LOGSUMEXP, dims, keepDim, nil, "logsumexp")
  }

  // MARK: all, any, count_nonzero

  /// `x.all()`: whether every element is non-zero (0-dim bool).
  public func all() throws -> Tensor { try reduce(RS_REDUCE_ALL, [], false, nil, "all") }
  /// `x.all(dim, keepdim)`.
  public func all(dim: Int, keepDim: Bool = false) throws -> Tensor { try reduce(RS_REDUCE_ALL, [dim], keepDim, nil, "all") }
  /// `x.all(dims, keepdim)`.
  public func all(dims: [Int], keepDim: Bool = false) throws -> Tensor { try reduce(RS_REDUCE_ALL, dims, keepDim, nil, "all") }
  /// `x.any()`: whether some element is non-zero (0-dim bool).
  public func any() throws -> Tensor { try reduce(RS_REDUCE_ANY, [], false, nil, "any") }
  /// `x.any(dim, keepdim)`.
  public func any(dim: Int, keepDim: Bool = false) throws -> Tensor { try reduce(RS_REDUCE_ANY, [dim], keepDim, nil, "any") }
  /// `x.any(dims, keepdim)`.
  public func any(dims: [Int], keepDim: Bool = false) throws -> Tensor { try reduce(RS_REDUCE_ANY, dims, keepDim, nil, "any") }

  /// `torch.count_nonzero(x, dims)` (int64); empty `dims` counts over every element.
  public func countNonzero(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
    try reduce(RS_REDUCE_COUNT_NONZERO, dims, keepDim, nil, "count_nonzero")
  }
  /// `torch.count_nonzero(x, dim)`.
  public func countNonzero(dim: Int, keepDim: Bool = false) throws -> Tensor {
    try reduce(RS_REDUCE_COUNT_NONZERO, [dim], keepDim, nil, "count_nonzero")
  }

  // MARK: var, std, norm

  /// `x.var(dims, correction=, keepdim)`; empty `dims` reduces every dimension. `correction: 1` is
  /// the unbiased estimate (PyTorch's default), `0` the population variance.
  public func `var`(dims: [Int] = [], correction: Double = 1, keepDim: Bool = false) throws -> Tensor {
    try varStd(dims, correction, keepDim, sqrt: false)
  }
  /// `x.var(dim, correction=, keepdim)`.
  public func `var`(dim: Int, correction: Double = 1, keepDim: Bool = false) throws -> Tensor {
    try varStd([dim], correction, keepDim, sqrt: false)
  }
  /// `x.std(dims, correction=, keepdim)`; empty `dims` reduces every dimension.
  public func std(dims: [Int] = [], correction: Double = 1, keepDim: Bool = false) throws -> Tensor {
    try varStd(dims, correction, keepDim, sqrt: true)
  }
  /// `x.std(dim, correction=, keepdim)`.
  public func std(dim: Int, correction: Double = 1, keepDim: Bool = false) throws -> Tensor {
    try varStd([dim], correction, keepDim, sqrt: true)
  }

  private func varStd(_ dims: [Int], _ correction: Double, _ keepDim: Bool, sqrt: Bool) throws -> Tensor {
    try withInt64s(dims) { p, n in
      try makeTensor(sqrt ? "std" : "var") { rs_var_std($0, handle, p, n, correction, keepDim ? 1 : 0, sqrt ? 1 : 0) }
    }
  }

  /// `torch.linalg.vector_norm(x, ord=p, dim=dims, keepdim)` (`x.norm(p, dims)`); `p` may be
  /// `.infinity`; empty `dims` takes the norm of all elements.
  public func norm(p: Double = 2, dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
    try withInt64s(dims) { d, n in
      try makeTensor("norm") { rs_vector_norm($0, handle, p, d, n, keepDim ? 1 : 0) }
    }
  }
  /// `x.norm(p, dim, keepdim)`.
  public func norm(p: Double = 2, dim: Int, keepDim: Bool = false) throws -> Tensor {
    try norm(p: p, dims: [dim], keepDim: keepDim)
  }

  // MARK: argmax, argmin

  /// `x.argmax(dim, keepdim)`; nil `dim` gives the index into the flattened tensor.
  public func argmax(dim: Int? = nil, keepDim: Bool = false) throws -> Tensor {
    try makeTensor("argmax") { rs_arg_reduce($0, 1, handle, Int64(dim ?? 0), dim == nil ? 0 : 1, keepDim ? 1 : 0) }
  }
  /// `x.argmin(dim, keepdim)`; nil `dim` gives the index into the flattened tensor.
  public func argmin(dim: Int? = nil, keepDim: Bool = false) throws -> Tensor {
    try makeTensor("argmin") { rs_arg_reduce($0, 0, handle, Int64(dim ?? 0), dim == nil ? 0 : 1, keepDim ? 1 : 0) }
  }

  // MARK: cumulative

  /// `x.cumsum(dim, dtype=)`.
  public func cumsum(dim: Int, dtype: DType? = nil) throws -> Tensor {
    try makeTensor("cumsum") { rs_cumulative($0, RS_CUMULATIVE_SUM, handle, Int64(dim), dtype?.rawValue ?? -1) }
  }
  /// `x.cumprod(dim, dtype=)`.
  public func cumprod(dim: Int, dtype: DType? = nil) throws -> Tensor {
    try makeTensor("cumprod") { rs_cumulative($0, RS_CUMULATIVE_PROD, handle, Int64(dim), dtype?.rawValue ?? -1) }
  }
  /// `x.logcumsumexp(dim)`.
  public func logcumsumexp(dim: Int) throws -> Tensor {
    try makeTensor("logcumsumexp") { rs_cumulative($0, RS_CUMULATIVE_LOGSUMEXP, handle, Int64(dim), -1) }
  }

  // MARK: clamp

  /// `x.clamp(min, max)` with scalar bounds; nil leaves that side open.
  public func clamp(min: Scalar? = nil, max: Scalar? = nil) throws -> Tensor {
    try withOptionalScalars(min, max) { lo, hi in try makeTensor("clamp") { rs_clamp($0, handle, lo, hi) } }
  }
  /// `x.clamp(min, max)` with tensor bounds (broadcast); nil leaves that side open.
  public func clamp(min: Tensor?, max: Tensor?) throws -> Tensor {
    try makeTensor("clamp") { rs_clamp_tensor($0, handle, min?.handle, max?.handle) }
  }
  /// In place: `x.clamp_(min, max)`.
  @discardableResult
  public func clamp_(min: Scalar? = nil, max: Scalar? = nil) throws -> Tensor {
    try withOptionalScalars(min, max) { lo, hi in try check(rs_clamp_(handle, lo, hi), "clamp_") }
    return self
  }

  // MARK: lerp, addcmul, addcdiv

  /// `torch.lerp(x, end, weight)`: x + weight * (end - x).
  public func lerp(_ end: Tensor, weight: Tensor) throws -> Tensor {
    try makeTensor("lerp") { rs_ternary($0, RS_TERNARY_LERP, handle, end.handle, weight.handle, Scalar.int(0).c) }
  }
  /// `torch.lerp(x, end, weight)` with a scalar weight.
  public func lerp(_ end: Tensor, weight: Scalar) throws -> Tensor {
    try makeTensor("lerp") { rs_ternary($0, RS_TERNARY_LERP, handle, end.handle, nil, weight.c) }
  }
  /// `torch.addcmul(x, t1, t2, value=)`: x + value * t1 * t2.
  public func addcmul(_ t1: Tensor, _ t2: Tensor, value: Scalar = 1) throws -> Tensor {
    try makeTensor("addcmul") { rs_ternary($0, RS_TERNARY_ADDCMUL, handle, t1.handle, t2.handle, value.c) }
  }
  /// `torch.addcdiv(x, t1, t2, value=)`: x + value * t1 / t2.
  public func addcdiv(_ t1: Tensor, _ t2: Tensor, value: Scalar = 1) throws -> Tensor {
    try makeTensor("addcdiv") { rs_ternary($0, RS_TERNARY_ADDCDIV, handle, t1.handle, t2.handle, value.c) }
  }
  /// In place: `x.lerp_(end, weight)`.
  @discardableResult
  public func lerp_(_ end: Tensor, weight: Tensor) throws -> Tensor {
    try check(rs_ternary_(RS_TERNARY_LERP, handle, end.handle, weight.handle, Scalar.int(0).c), "lerp_")
    return self
  }
  /// In place: `x.lerp_(end, weight)` with a scalar weight.
  @discardableResult
  public func lerp_(_ end: Tensor, weight: Scalar) throws -> Tensor {
    try check(rs_ternary_(RS_TERNARY_LERP, handle, end.handle, nil, weight.c), "lerp_")
    return self
  }
  /// In place: `x.addcmul_(t1, t2, value=)`.
  @discardableResult
  public func addcmul_(_ t1: Tensor, _ t2: Tensor, value: Scalar = 1) throws -> Tensor {
    try check(rs_ternary_(RS_TERNARY_ADDCMUL, handle, t1.handle, t2.handle, value.c), "addcmul_")
    return self
  }
  /// In place: `x.addcdiv_(t1, t2, value=)`.
  @discardableResult
  public func addcdiv_(_ t1: Tensor, _ t2: Tensor, value: Scalar = 1) throws -> Tensor {
    try check(rs_ternary_(RS_TERNARY_ADDCDIV, handle, t1.handle, t2.handle, value.c), "addcdiv_")
    return self
  }
}

/// Passes two optional scalars to CTorch as nullable pointers.
func withOptionalScalars<R>(_ a: Scalar?, _ b: Scalar?, _ body: (UnsafePointer<rs_scalar>?, UnsafePointer<rs_scalar>?) throws -> R) rethrows -> R {
  var ca = a?.c ?? rs_scalar()
  var cb = b?.c ?? rs_scalar()
  return try withUnsafePointer(to: &ca) { pa in
    try withUnsafePointer(to: &cb) { pb in try body(a == nil ? nil : pa, b == nil ? nil : pb) }
  }
}
