import CTorch

// Element-wise math: named functions, operators with broadcasting, and in-place forms.
// Operators throw (shape mismatches are libtorch errors): `try a * b + 1`.

extension Tensor {
  @inline(__always)
  func unary(_ op: rs_unary_op, _ name: @autoclosure () -> String) throws -> Tensor {
    try makeTensor(name()) { rs_unary($0, op, handle) }
  }

  @inline(__always)
  func unary_(_ op: rs_unary_op, _ name: @autoclosure () -> String) throws -> Tensor {
    try check(rs_unary_(op, handle), name())
    return self
  }

  @inline(__always)
  func binary(_ op: rs_binary_op, _ other: Tensor, _ name: @autoclosure () -> String) throws -> Tensor {
    try makeTensor(name()) { rs_binary($0, op, handle, other.handle) }
  }

  @inline(__always)
  func binary(_ op: rs_binary_op, _ s: Scalar, scalarFirst: Bool = false, _ name: @autoclosure () -> String) throws -> Tensor {
    try makeTensor(name()) { rs_binary_scalar($0, op, handle, s.c, scalarFirst ? 1 : 0) }
  }

  @inline(__always)
  func binary_(_ op: rs_binary_op, _ other: Tensor, _ name: @autoclosure () -> String) throws -> Tensor {
    try check(rs_binary_(op, handle, other.handle), name())
    return self
  }

  @inline(__always)
  func binary_(_ op: rs_binary_op, _ s: Scalar, _ name: @autoclosure () -> String) throws -> Tensor {
    try check(rs_binary_scalar_(op, handle, s.c), name())
    return self
  }

  // MARK: unary functions
  public func neg() throws -> Tensor { try unary(RS_UNARY_NEG, "neg") }
  public func abs() throws -> Tensor { try unary(RS_UNARY_ABS, "abs") }
  public func exp() throws -> Tensor { try unary(RS_UNARY_EXP, "exp") }
  public func log() throws -> Tensor { try unary(RS_UNARY_LOG, "log") }
  public func log2() throws -> Tensor { try unary(RS_UNARY_LOG2, "log2") }
  public func log1p() throws -> Tensor { try unary(RS_UNARY_LOG1P, "log1p") }
  public func expm1() throws -> Tensor { try unary(RS_UNARY_EXPM1, "expm1") }
  public func sqrt() throws -> Tensor { try unary(RS_UNARY_SQRT, "sqrt") }
  public func rsqrt() throws -> Tensor { try unary(RS_UNARY_RSQRT, "rsqrt") }
  public func square() throws -> Tensor { try unary(RS_UNARY_SQUARE, "square") }
  public func sin() throws -> Tensor { try unary(RS_UNARY_SIN, "sin") }
  public func cos() throws -> Tensor { try unary(RS_UNARY_COS, "cos") }
  public func atan() throws -> Tensor { try unary(RS_UNARY_ATAN, "atan") }
  public func asin() throws -> Tensor { try unary(RS_UNARY_ASIN, "asin") }
  public func acos() throws -> Tensor { try unary(RS_UNARY_ACOS, "acos") }
  public func tanh() throws -> Tensor { try unary(RS_UNARY_TANH, "tanh") }
  public func sigmoid() throws -> Tensor { try unary(RS_UNARY_SIGMOID, "sigmoid") }
  public func relu() throws -> Tensor { try unary(RS_UNARY_RELU, "relu") }
  /// GELU; `approximate: true` is the tanh form (`approximate="tanh"`).
  public func gelu(approximate: Bool = false) throws -> Tensor {
    try unary(approximate ? RS_UNARY_GELU_TANH : RS_UNARY_GELU, "gelu")
  }
  public func silu() throws -> Tensor { try unary(RS_UNARY_SILU, "silu") }
  public func floor() throws -> Tensor { try unary(RS_UNARY_FLOOR, "floor") }
  public func ceil() throws -> Tensor { try unary(RS_UNARY_CEIL, "ceil") }
  public func round() throws -> Tensor { try unary(RS_UNARY_ROUND, "round") }
  public func trunc() throws -> Tensor { try unary(RS_UNARY_TRUNC, "trunc") }
  public func sign() throws -> Tensor { try unary(RS_UNARY_SIGN, "sign") }
  public func reciprocal() throws -> Tensor { try unary(RS_UNARY_RECIPROCAL, "reciprocal") }
  public func erf() throws -> Tensor { try unary(RS_UNARY_ERF, "erf") }
  public func logicalNot() throws -> Tensor { try unary(RS_UNARY_LOGICAL_NOT, "logical_not") }
  public func bitwiseNot() throws -> Tensor { try unary(RS_UNARY_BITWISE_NOT, "bitwise_not") }
  public func isnan() throws -> Tensor { try unary(RS_UNARY_ISNAN, "isnan") }
  public func isfinite() throws -> Tensor { try unary(RS_UNARY_ISFINITE, "isfinite") }

  // MARK: in-place unary
  @discardableResult public func relu_() throws -> Tensor { try unary_(RS_UNARY_RELU, "relu_") }
  @discardableResult public func sigmoid_() throws -> Tensor { try unary_(RS_UNARY_SIGMOID, "sigmoid_") }
  @discardableResult public func sqrt_() throws -> Tensor { try unary_(RS_UNARY_SQRT, "sqrt_") }
  @discardableResult public func neg_() throws -> Tensor { try unary_(RS_UNARY_NEG, "neg_") }
  @discardableResult public func exp_() throws -> Tensor { try unary_(RS_UNARY_EXP, "exp_") }

  // MARK: binary functions
  public func pow(_ e: Tensor) throws -> Tensor { try binary(RS_BINARY_POW, e, "pow") }
  public func pow(_ e: Scalar) throws -> Tensor { try binary(RS_BINARY_POW, e, "pow") }
  public func maximum(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_MAXIMUM, o, "maximum") }
  public func minimum(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_MINIMUM, o, "minimum") }
  public func remainder(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_REMAINDER, o, "remainder") }
  public func remainder(_ s: Scalar) throws -> Tensor { try binary(RS_BINARY_REMAINDER, s, "remainder") }
  public func floorDivide(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_FLOOR_DIVIDE, o, "floor_divide") }
  public func floorDivide(_ s: Scalar) throws -> Tensor { try binary(RS_BINARY_FLOOR_DIVIDE, s, "floor_divide") }
  public func atan2(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_ATAN2, o, "atan2") }
  public func eq(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_EQ, o, "eq") }
  public func eq(_ s: Scalar) throws -> Tensor { try binary(RS_BINARY_EQ, s, "eq") }
  public func ne(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_NE, o, "ne") }
  public func ne(_ s: Scalar) throws -> Tensor { try binary(RS_BINARY_NE, s, "ne") }
  public func lt(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_LT, o, "lt") }
  public func lt(_ s: Scalar) throws -> Tensor { try binary(RS_BINARY_LT, s, "lt") }
  public func le(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_LE, o, "le") }
  public func le(_ s: Scalar) throws -> Tensor { try binary(RS_BINARY_LE, s, "le") }
  public func gt(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_GT, o, "gt") }
  public func gt(_ s: Scalar) throws -> Tensor { try binary(RS_BINARY_GT, s, "gt") }
  public func ge(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_GE, o, "ge") }
  public func ge(_ s: Scalar) throws -> Tensor { try binary(RS_BINARY_GE, s, "ge") }
  public func logicalAnd(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_LOGICAL_AND, o, "logical_and") }
  public func logicalOr(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_LOGICAL_OR, o, "logical_or") }
  public func logicalXor(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_LOGICAL_XOR, o, "logical_xor") }
  public func bitwiseAnd(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_BITWISE_AND, o, "bitwise_and") }
  public func bitwiseOr(_ o: Tensor) throws -> Tensor { try binary(RS_BINARY_BITWISE_OR, o, "bitwise_or") }

  // MARK: in-place binary
  @discardableResult public func add_(_ o: Tensor) throws -> Tensor { try binary_(RS_BINARY_ADD, o, "add_") }
  @discardableResult public func add_(_ s: Scalar) throws -> Tensor { try binary_(RS_BINARY_ADD, s, "add_") }
  @discardableResult public func sub_(_ o: Tensor) throws -> Tensor { try binary_(RS_BINARY_SUB, o, "sub_") }
  @discardableResult public func sub_(_ s: Scalar) throws -> Tensor { try binary_(RS_BINARY_SUB, s, "sub_") }
  @discardableResult public func mul_(_ o: Tensor) throws -> Tensor { try binary_(RS_BINARY_MUL, o, "mul_") }
  @discardableResult public func mul_(_ s: Scalar) throws -> Tensor { try binary_(RS_BINARY_MUL, s, "mul_") }
  @discardableResult public func div_(_ o: Tensor) throws -> Tensor { try binary_(RS_BINARY_DIV, o, "div_") }
  @discardableResult public func div_(_ s: Scalar) throws -> Tensor { try binary_(RS_BINARY_DIV, s, "div_") }

  /// In place: `x.fill_(value)`.
  @discardableResult public func fill_(_ value: Scalar) throws -> Tensor {
    try check(rs_fill_(handle, value.c), "fill_")
    return self
  }
  /// In place: `x.zero_()`.
  @discardableResult public func zero_() throws -> Tensor { try fill_(0) }

  /// `torch.add(x, other, alpha=)`: x + alpha * other.
  public func add(_ other: Tensor, alpha: Scalar) throws -> Tensor {
    try makeTensor("add") { rs_add_scaled($0, handle, other.handle, alpha.c) }
  }
  /// In place: `x.add_(other, alpha=)` (the SGD step `p.add_(grad, alpha: -lr)`).
  @discardableResult public func add_(_ other: Tensor, alpha: Scalar) throws -> Tensor {
    try check(rs_add_scaled_(handle, other.handle, alpha.c), "add_")
    return self
  }

  // MARK: comparison helpers

  /// `torch.isclose(x, other, rtol, atol, equal_nan)`: element-wise |x - other| <= atol + rtol·|other|.
  public func isclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) throws -> Tensor {
    try makeTensor("isclose") { rs_isclose($0, handle, other.handle, rtol, atol, equalNan ? 1 : 0) }
  }
  /// `torch.allclose(x, other, rtol, atol, equal_nan)`.
  public func allclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) throws -> Bool {
    try isclose(other, rtol: rtol, atol: atol, equalNan: equalNan).all().int() != 0
  }
  /// `torch.equal(x, other)`: same shape and the same elements.
  public func equal(_ other: Tensor) throws -> Bool {
    var result: Int32 = 0
    try check(rs_equal(&result, handle, other.handle), "equal")
    return result != 0
  }

  // MARK: random

  /// `torch.bernoulli(x)`: 0/1 samples with the probabilities in `x` (default generator).
  public func bernoulli() throws -> Tensor { try makeTensor("bernoulli") { rs_bernoulli($0, handle) } }
  /// In place: `x.bernoulli_(p)`: every element becomes 1 with probability `p`, else 0.
  @discardableResult public func bernoulli_(_ p: Double) throws -> Tensor {
    try check(rs_bernoulli_(handle, p), "bernoulli_")
    return self
  }

  // MARK: operators
  public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(RS_BINARY_ADD, b, "add") }
  public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(RS_BINARY_SUB, b, "sub") }
  public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(RS_BINARY_MUL, b, "mul") }
  public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(RS_BINARY_DIV, b, "div") }
  public static func + <S: ScalarConvertible>(a: Tensor, s: S) throws -> Tensor { try a.binary(RS_BINARY_ADD, s.scalar, "add") }
  public static func - <S: ScalarConvertible>(a: Tensor, s: S) throws -> Tensor { try a.binary(RS_BINARY_SUB, s.scalar, "sub") }
  public static func * <S: ScalarConvertible>(a: Tensor, s: S) throws -> Tensor { try a.binary(RS_BINARY_MUL, s.scalar, "mul") }
  public static func / <S: ScalarConvertible>(a: Tensor, s: S) throws -> Tensor { try a.binary(RS_BINARY_DIV, s.scalar, "div") }
  public static func + <S: ScalarConvertible>(s: S, a: Tensor) throws -> Tensor { try a.binary(RS_BINARY_ADD, s.scalar, scalarFirst: true, "add") }
  public static func - <S: ScalarConvertible>(s: S, a: Tensor) throws -> Tensor { try a.binary(RS_BINARY_SUB, s.scalar, scalarFirst: true, "sub") }
  public static func * <S: ScalarConvertible>(s: S, a: Tensor) throws -> Tensor { try a.binary(RS_BINARY_MUL, s.scalar, scalarFirst: true, "mul") }
  public static func / <S: ScalarConvertible>(s: S, a: Tensor) throws -> Tensor { try a.binary(RS_BINARY_DIV, s.scalar, scalarFirst: true, "div") }
  public static prefix func - (a: Tensor) throws -> Tensor { try a.neg() }
}
