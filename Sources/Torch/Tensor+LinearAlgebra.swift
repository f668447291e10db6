import CTorch

// Matrix products and einsum.

extension Tensor {
  func product(_ op: rs_product_op, _ other: Tensor, _ name: String) throws -> Tensor {
    try makeTensor(name) { rs_product($0, op, handle, other.handle) }
  }

  /// `torch.matmul(x, other)` (`x @ other`): matrix product with batch broadcasting; 1-D operands
  /// act as vectors.
  public func matmul(_ other: Tensor) throws -> Tensor { try product(RS_PRODUCT_MATMUL, other, "matmul") }
  /// `torch.mm(x, other)`: [n, k] × [k, m] → [n, m].
  public func mm(_ other: Tensor) throws -> Tensor { try product(RS_PRODUCT_MM, other, "mm") }
  /// `torch.bmm(x, other)`: [b, n, k] × [b, k, m] → [b, n, m].
  public func bmm(_ other: Tensor) throws -> Tensor { try product(RS_PRODUCT_BMM, other, "bmm") }
  /// `torch.outer(x, other)`: [n] × [m] → [n, m].
  public func outer(_ other: Tensor) throws -> Tensor { try product(RS_PRODUCT_OUTER, other, "outer") }
  /// `torch.dot(x, other)`: the inner product of two 1-D tensors (0-dim result).
  public func dot(_ other: Tensor) throws -> Tensor { try product(RS_PRODUCT_DOT, other, "dot") }

  func addProduct(_ op: rs_add_product_op, _ a: Tensor, _ b: Tensor, _ beta: Scalar, _ alpha: Scalar, _ name: String) throws -> Tensor {
    try makeTensor(name) { rs_add_product($0, op, handle, a.handle, b.handle, beta.c, alpha.c) }
  }

  /// `torch.addmm(x, m1, m2, beta=, alpha=)`: beta·x + alpha·(m1 @ m2), m1 [n, k], m2 [k, m].
  public func addmm(_ m1: Tensor, _ m2: Tensor, beta: Scalar = 1, alpha: Scalar = 1) throws -> Tensor {
    try addProduct(RS_ADD_PRODUCT_ADDMM, m1, m2, beta, alpha, "addmm")
  }
  /// `torch.baddbmm(x, b1, b2, beta=, alpha=)`: beta·x + alpha·bmm(b1, b2), per batch.
  public func baddbmm(_ b1: Tensor, _ b2: Tensor, beta: Scalar = 1, alpha: Scalar = 1) throws -> Tensor {
    try addProduct(RS_ADD_PRODUCT_BADDBMM, b1, b2, beta, alpha, "baddbmm")
  }
  /// `torch.addbmm(x, b1, b2, beta=, alpha=)`: beta·x + alpha·Σ_b (b1[b] @ b2[b]).
  public func addbmm(_ b1: Tensor, _ b2: Tensor, beta: Scalar = 1, alpha: Scalar = 1) throws -> Tensor {
    try addProduct(RS_ADD_PRODUCT_ADDBMM, b1, b2, beta, alpha, "addbmm")
  }

  /// `torch.einsum(equation, *operands)`, e.g. `Tensor.einsum("bhqd,bhkd->bhqk", q, k)`.
  public static func einsum(_ equation: String, _ operands: Tensor...) throws -> Tensor {
    try einsum(equation, operands)
  }

  /// `torch.einsum(equation, operands)` with the operands in an array.
  public static func einsum(_ equation: String, _ operands: [Tensor]) throws -> Tensor {
    try withHandles(operands) { p, n in try makeTensor("einsum") { rs_einsum($0, equation, p, n) } }
  }
}
