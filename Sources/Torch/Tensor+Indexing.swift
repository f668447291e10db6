import CTorch

// Indexing: PyTorch's `x[...]` expressions, index assignment, gather/scatter, masks, where,
// sorting and selection.

/// One component of a PyTorch index expression such as `x[..., 1:3, None, 2]`.
///
/// Write the components directly in the subscript: an `Int` selects one position (the
/// dimension goes away; negative counts from the end); a Swift range slices (`1..<3`, `2...`,
/// `..<4`, `...5`); `.all` is `:`; `.slice(1, -1, step: 2)` is `1:-1:2` and `.stride(0..<8, by: 2)`
/// is `0:8:2`; `.ellipsis` is `...`; `.newAxis` is `None`; a `Tensor` of integers or booleans (or
/// `.tensor(t)`) is advanced indexing:
///
///     let y = try x[.ellipsis, 1..<3, .newAxis, 2]   // x[..., 1:3, None, 2]
///     let z = try x[mask]                            // boolean mask
///     try x.set(.all, 0, to: 1)                      // x[:, 0] = 1
public struct TensorIndex {
  enum Kind {
    case index(Int)
    case slice(start: Int?, end: Int?, step: Int)
    case newAxis
    case ellipsis
    case tensor(Tensor)
  }
  let kind: Kind

  var c: rs_index_part {
    switch kind {
    case .index(let i): return rs_index_part(kind: Int32(RS_INDEX_INT.rawValue), start: Int64(i), end: 0, step: 1, tensor: nil)
    case .slice(let start, let end, let step):
      return rs_index_part(
        kind: Int32(RS_INDEX_SLICE.rawValue), start: Int64(start ?? 0), end: end.map(Int64.init) ?? Int64.max,
        step: Int64(step), tensor: nil)
    case .newAxis: return rs_index_part(kind: Int32(RS_INDEX_NONE.rawValue), start: 0, end: 0, step: 1, tensor: nil)
    case .ellipsis: return rs_index_part(kind: Int32(RS_INDEX_ELLIPSIS.rawValue), start: 0, end: 0, step: 1, tensor: nil)
    case .tensor(let t): return rs_index_part(kind: Int32(RS_INDEX_TENSOR.rawValue), start: 0, end: 0, step: 1, tensor: t.handle)
    }
  }
}

/// A value usable as one component of a tensor index (see `TensorIndex`).
public protocol TensorIndexExpression {
  var tensorIndex: TensorIndex { get }
}

extension TensorIndexExpression where Self == TensorIndex {
  /// `:`: every position of one dimension.
  public static var all: TensorIndex { TensorIndex(kind: .slice(start: nil, end: nil, step: 1)) }
  /// `...`: as many `:` as needed to fill the remaining dimensions.
  public static var ellipsis: TensorIndex { TensorIndex(kind: .ellipsis) }
  /// `None`: inserts a dimension of size 1.
  public static var newAxis: TensorIndex { TensorIndex(kind: .newAxis) }
  /// `start:end:step`; nil bounds are open; negative bounds count from the end.
  public static func slice(_ start: Int? = nil, _ end: Int? = nil, step: Int = 1) -> TensorIndex {
    TensorIndex(kind: .slice(start: start, end: end, step: step))
  }
  /// `lower:upper:step` from a Swift range.
  public static func stride(_ range: Range<Int>, by step: Int) -> TensorIndex {
    TensorIndex(kind: .slice(start: range.lowerBound, end: range.upperBound, step: step))
  }
  /// Advanced indexing with an integer or boolean tensor.
  public static func tensor(_ t: Tensor) -> TensorIndex { TensorIndex(kind: .tensor(t)) }
}

extension TensorIndex: TensorIndexExpression { public var tensorIndex: TensorIndex { self } }
extension Int: TensorIndexExpression { public var tensorIndex: TensorIndex { TensorIndex(kind: .index(self)) } }
extension Tensor: TensorIndexExpression { public var tensorIndex: TensorIndex { TensorIndex(kind: .tensor(self)) } }
extension Range<Int>: TensorIndexExpression {
  public var tensorIndex: TensorIndex { TensorIndex(kind: .slice(start: lowerBound, end: upperBound, step: 1)) }
}
extension ClosedRange<Int>: TensorIndexExpression {
  /// `a...b` is `a:b+1`; `a...(-1)` runs to the end.
  public var tensorIndex: TensorIndex {
    TensorIndex(kind: .slice(start: lowerBound, end: upperBound == -1 ? nil : upperBound + 1, step: 1))
  }
}
extension PartialRangeFrom<Int>: TensorIndexExpression {
  public var tensorIndex: TensorIndex { TensorIndex(kind: .slice(start: lowerBound, end: nil, step: 1)) }
}
extension PartialRangeUpTo<Int>: TensorIndexExpression {
  public var tensorIndex: TensorIndex { TensorIndex(kind: .slice(start: nil, end: upperBound, step: 1)) }
}
extension PartialRangeThrough<Int>: TensorIndexExpression {
  public var tensorIndex: TensorIndex {
    TensorIndex(kind: .slice(start: nil, end: upperBound == -1 ? nil : upperBound + 1, step: 1))
  }
}

/// Passes index components to CTorch, keeping their tensors alive for the call.
private func withIndices<R>(_ indices: [any TensorIndexExpression], _ body: (UnsafePointer<rs_index_part>?, Int64) throws -> R) rethrows -> R {
  let resolved = indices.map(\.tensorIndex)
  let c = resolved.map(\.c)
  return try withExtendedLifetime(resolved) {
    try c.withUnsafeBufferPointer { try body($0.baseAddress, Int64($0.count)) }
  }
}

extension Tensor {
  /// `x[i0, i1, …]` with PyTorch's semantics (see `TensorIndex`): basic indexing returns a view,
  /// advanced (tensor) indexing a copy.
  public subscript(_ indices: any TensorIndexExpression...) -> Tensor {
    get throws { try index(indices) }
  }

  /// `x[indices]` from a list of index components built at run time.
  public func index(_ indices: [any TensorIndexExpression]) throws -> Tensor {
    try withIndices(indices) { p, n in try makeTensor("index") { rs_index($0, handle, p, n) } }
  }

  /// In place: `x[indices] = value`, broadcasting `value` to the indexed shape.
  public func set(_ indices: any TensorIndexExpression..., to value: Tensor) throws {
    try set(indices, to: value)
  }

  /// In place: `x[indices] = value` for a scalar.
  public func set(_ indices: any TensorIndexExpression..., to value: Scalar) throws {
    try set(indices, to: value)
  }

  /// In place: `x[indices] = value` with index components built at run time.
  public func set(_ indices: [any TensorIndexExpression], to value: Tensor) throws {
    try withIndices(indices) { p, n in
      try check(rs_index_assign_(handle, p, n, value.handle, Scalar.int(0).c), "index_put_")
    }
  }

  /// In place: `x[indices] = value` for a scalar, with index components built at run time.
  public func set(_ indices: [any TensorIndexExpression], to value: Scalar) throws {
    try withIndices(indices) { p, n in try check(rs_index_assign_(handle, p, n, nil, value.c), "index_put_") }
  }

  /// In place: `x.index_put_(indices, values, accumulate)`; nil entries take a whole dimension.
  /// With `accumulate`, repeated indices add up (e.g. a confusion matrix).
  @discardableResult
  public func indexPut_(_ indices: [Tensor?], _ values: Tensor, accumulate: Bool = false) throws -> Tensor {
    let handles: [rs_tensor?] = indices.map { $0?.handle }
    try withExtendedLifetime(indices) {
      try handles.withUnsafeBufferPointer {
        try check(rs_index_put_(handle, $0.baseAddress, Int64($0.count), values.handle, accumulate ? 1 : 0), "index_put_")
      }
    }
    return self
  }

  /// `x.index_select(dim, index)`: the entries at the int64 `index` positions along `dim`.
  public func indexSelect(dim: Int, index: Tensor) throws -> Tensor {
    try makeTensor("index_select") { rs_index_select($0, handle, Int64(dim), index.handle) }
  }

  /// `x.index_add(dim, index, source, alpha=)`: adds `alpha * source` slices at `index` along `dim`.
  public func indexAdd(dim: Int, index: Tensor, source: Tensor, alpha: Scalar = 1) throws -> Tensor {
    try makeTensor("index_add") { rs_index_add($0, handle, Int64(dim), index.handle, source.handle, alpha.c) }
  }

  /// `x.gather(dim, index)`: out[i][j] = x[index[i][j]][j] for dim 0 (and so on).
  public func gather(dim: Int, index: Tensor) throws -> Tensor {
    try makeTensor("gather") { rs_gather($0, handle, Int64(dim), index.handle) }
  }

  /// `x.scatter(dim, index, src)`: a copy with `src` values written at `index` along `dim`.
  public func scatter(dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
    try makeTensor("scatter") { rs_scatter($0, handle, Int64(dim), index.handle, src.handle, Scalar.int(0).c) }
  }

  /// `x.scatter(dim, index, value)`: a copy with `value` written at `index` along `dim`.
  public func scatter(dim: Int, index: Tensor, value: Scalar) throws -> Tensor {
    try makeTensor("scatter") { rs_scatter($0, handle, Int64(dim), index.handle, nil, value.c) }
  }

  /// In place: `x.scatter_(dim, index, src)`.
  @discardableResult
  public func scatter_(dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
    try check(rs_scatter_(handle, Int64(dim), index.handle, src.handle, Scalar.int(0).c), "scatter_")
    return self
  }

  /// In place: `x.scatter_(dim, index, value)`.
  @discardableResult
  public func scatter_(dim: Int, index: Tensor, value: Scalar) throws -> Tensor {
    try check(rs_scatter_(handle, Int64(dim), index.handle, nil, value.c), "scatter_")
    return self
  }

  /// How `scatterReduce` combines values landing on one position.
  public enum ScatterReduction: String, Sendable {
    case sum, prod, mean, amax, amin
  }

  /// `x.scatter_reduce(dim, index, src, reduce, include_self=)`.
  public func scatterReduce(dim: Int, index: Tensor, src: Tensor, reduce: ScatterReduction, includeSelf: Bool = true) throws -> Tensor {
    try makeTensor("scatter_reduce") {
      rs_scatter_reduce($0, handle, Int64(dim), index.handle, src.handle, reduce.rawValue, includeSelf ? 1 : 0)
    }
  }

  /// In place: `x.scatter_reduce_(dim, index, src, reduce, include_self=)`.
  @discardableResult
  public func scatterReduce_(dim: Int, index: Tensor, src: Tensor, reduce: ScatterReduction, includeSelf: Bool = true) throws -> Tensor {
    try check(rs_scatter_reduce_(handle, Int64(dim), index.handle, src.handle, reduce.rawValue, includeSelf ? 1 : 0), "scatter_reduce_")
    return self
  }

  /// `x.scatter_add(dim, index, src)`: adds `src` values at `index` along `dim` (repeats add up).
  public func scatterAdd(dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
    try scatterReduce(dim: dim, index: index, src: src, reduce: .sum)
  }

  /// In place: `x.scatter_add_(dim, index, src)`.
  @discardableResult
  public func scatterAdd_(dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
    try scatterReduce_(dim: dim, index: index, src: src, reduce: .sum)
  }

  /// `torch.where(condition, a, b)`: `a` where the bool `condition` holds, else `b` (broadcasting).
  public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
    try makeTensor("where") { rs_where($0, condition.handle, a.handle, Scalar.int(0).c, b.handle, Scalar.int(0).c) }
  }
  /// `torch.where(condition, a, b)` with a scalar `b`.
  public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Scalar) throws -> Tensor {
    try makeTensor("where") { rs_where($0, condition.handle, a.handle, Scalar.int(0).c, nil, b.c) }
  }
  /// `torch.where(condition, a, b)` with a scalar `a`.
  public static func `where`(_ condition: Tensor, _ a: Scalar, _ b: Tensor) throws -> Tensor {
    try makeTensor("where") { rs_where($0, condition.handle, nil, a.c, b.handle, Scalar.int(0).c) }
  }
  /// `torch.where(condition, a, b)` with scalars.
  public static func `where`(_ condition: Tensor, _ a: Scalar, _ b: Scalar) throws -> Tensor {
    try makeTensor("where") { rs_where($0, condition.handle, nil, a.c, nil, b.c) }
  }

  /// `x.masked_fill(mask, value)`: `value` where the bool `mask` (broadcast) is true.
  public func maskedFill(_ mask: Tensor, _ value: Scalar) throws -> Tensor {
    try makeTensor("masked_fill") { rs_masked_fill($0, handle, mask.handle, nil, value.c) }
  }
  /// `x.masked_fill(mask, value)` with a 0-dim tensor `value`.
  public func maskedFill(_ mask: Tensor, _ value: Tensor) throws -> Tensor {
    try makeTensor("masked_fill") { rs_masked_fill($0, handle, mask.handle, value.handle, Scalar.int(0).c) }
  }
  /// In place: `x.masked_fill_(mask, value)`.
  @discardableResult
  public func maskedFill_(_ mask: Tensor, _ value: Scalar) throws -> Tensor {
    try check(rs_masked_fill_(handle, mask.handle, nil, value.c), "masked_fill_")
    return self
  }
  /// In place: `x.masked_fill_(mask, value)` with a 0-dim tensor `value`.
  @discardableResult
  public func maskedFill_(_ mask: Tensor, _ value: Tensor) throws -> Tensor {
    try check(rs_masked_fill_(handle, mask.handle, value.handle, Scalar.int(0).c), "masked_fill_")
    return self
  }

  /// `x.masked_select(mask)`: the elements where `mask` is true, as a 1-D tensor.
  public func maskedSelect(_ mask: Tensor) throws -> Tensor {
    try makeTensor("masked_select") { rs_masked_select($0, handle, mask.handle) }
  }

  /// `torch.bincount(x, weights, minlength)`: for a 1-D non-negative integer tensor, how often each
  /// value occurs (or the sum of its `weights`), with at least `minlength` bins.
  public func bincount(weights: Tensor? = nil, minlength: Int = 0) throws -> Tensor {
    try makeTensor("bincount") { rs_bincount($0, handle, weights?.handle, Int64(minlength)) }
  }

  /// `x.nonzero()`: int64 indices of the non-zero elements, shape [count, rank].
  public func nonzero() throws -> Tensor { try makeTensor("nonzero") { rs_nonzero($0, handle) } }

  /// `x.topk(k, dim, largest, sorted)`: the `k` largest (or smallest) values along `dim` and
  /// their int64 indices.
  public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) throws -> (values: Tensor, indices: Tensor) {
    var values: rs_tensor?
    var indices: rs_tensor?
    try check(rs_topk(&values, &indices, handle, Int64(k), Int64(dim), largest ? 1 : 0, sorted ? 1 : 0), "topk")
    return (Tensor(handle: values!), Tensor(handle: indices!))
  }

  /// `x.sort(dim, descending, stable)`: sorted values and the int64 indices they came from.
  public func sort(dim: Int = -1, descending: Bool = false, stable: Bool = false) throws -> (values: Tensor, indices: Tensor) {
    var values: rs_tensor?
    var indices: rs_tensor?
    try check(rs_sort(&values, &indices, handle, Int64(dim), descending ? 1 : 0, stable ? 1 : 0), "sort")
    return (Tensor(handle: values!), Tensor(handle: indices!))
  }

  /// `x.argsort(dim, descending, stable)`: the int64 indices that sort `x` along `dim`.
  public func argsort(dim: Int = -1, descending: Bool = false, stable: Bool = false) throws -> Tensor {
    try sort(dim: dim, descending: descending, stable: stable).indices
  }

  /// `torch.unique(x, sorted)`: the distinct elements of the flattened tensor.
  public func unique(sorted: Bool = true) throws -> Tensor {
    var values: rs_tensor?
    try check(rs_unique(&values, nil, nil, handle, sorted ? 1 : 0), "unique")
    return Tensor(handle: values!)
  }

  /// `torch.unique(x, sorted, return_inverse=True, return_counts=True)`: the distinct elements,
  /// the position of each input element among them (shaped like `x`), and how often each occurs.
  public func uniqueWithInverseAndCounts(sorted: Bool = true) throws -> (values: Tensor, inverse: Tensor, counts: Tensor) {
    var values: rs_tensor?
    var inverse: rs_tensor?
    var counts: rs_tensor?
    try check(rs_unique(&values, &inverse, &counts, handle, sorted ? 1 : 0), "unique")
    return (Tensor(handle: values!), Tensor(handle: inverse!), Tensor(handle: counts!))
  }
}
