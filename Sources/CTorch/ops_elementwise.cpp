// Element-wise unary and binary op families.
#include "shim.hpp"

using rs::T;

static at::Tensor unary(rs_unary_op op, const at::Tensor& x) {
  switch (op) {
    case RS_UNARY_NEG: return x.neg();
    case RS_UNARY_ABS: return x.abs();
    case RS_UNARY_EXP: return x.exp();
    case RS_UNARY_LOG: return x.log();
    case RS_UNARY_SQRT: return x.sqrt();
    case RS_UNARY_RSQRT: return x.rsqrt();
    case RS_UNARY_SIN: return x.sin();
    case RS_UNARY_COS: return x.cos();
    case RS_UNARY_TANH: return x.tanh();
    case RS_UNARY_SIGMOID: return x.sigmoid();
    case RS_UNARY_RELU: return x.relu();
    case RS_UNARY_GELU: return at::gelu(x);
    case RS_UNARY_GELU_TANH: return at::gelu(x, "tanh");
    case RS_UNARY_SILU: return at::silu(x);
    case RS_UNARY_FLOOR: return x.floor();
    case RS_UNARY_CEIL: return x.ceil();
    case RS_UNARY_ROUND: return x.round();
    case RS_UNARY_SIGN: return x.sign();
    case RS_UNARY_RECIPROCAL: return x.reciprocal();
    case RS_UNARY_ERF: return x.erf();
    case RS_UNARY_LOG1P: return x.log1p();
    case RS_UNARY_EXPM1: return x.expm1();
    case RS_UNARY_LOGICAL_NOT: return x.logical_not();
    case RS_UNARY_ISNAN: return x.isnan();
    case RS_UNARY_ISFINITE: return x.isfinite();
    case RS_UNARY_SQUARE: return x.square();
    case RS_UNARY_TRUNC: return x.trunc();
    case RS_UNARY_BITWISE_NOT: return x.bitwise_not();
    case RS_UNARY_LOG2: return x.log2();
    case RS_UNARY_ATAN: return x.atan();
    case RS_UNARY_ASIN: return x.asin();
    case RS_UNARY_ACOS: return x.acos();
  }
  TORCH_CHECK(false, "unknown unary op ", (int)op);
}

static void unary_(rs_unary_op op, at::Tensor& x) {
  switch (op) {
    case RS_UNARY_NEG: x.neg_(); return;
    case RS_UNARY_ABS: x.abs_(); return;
    case RS_UNARY_EXP: x.exp_(); return;
    case RS_UNARY_LOG: x.log_(); return;
    case RS_UNARY_SQRT: x.sqrt_(); return;
    case RS_UNARY_TANH: x.tanh_(); return;
    case RS_UNARY_SIGMOID: x.sigmoid_(); return;
    case RS_UNARY_RELU: x.relu_(); return;
    case RS_UNARY_FLOOR: x.floor_(); return;
    case RS_UNARY_CEIL: x.ceil_(); return;
    case RS_UNARY_ROUND: x.round_(); return;
    case RS_UNARY_RECIPROCAL: x.reciprocal_(); return;
    case RS_UNARY_SQUARE: x.square_(); return;
    default: x.copy_(unary(op, x)); return;
  }
}

static at::Tensor binary(rs_binary_op op, const at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case RS_BINARY_ADD: return a.add(b);
    case RS_BINARY_SUB: return a.sub(b);
    case RS_BINARY_MUL: return a.mul(b);
    case RS_BINARY_DIV: return a.div(b);
    case RS_BINARY_POW: return a.pow(b);
    case RS_BINARY_MAXIMUM: return at::maximum(a, b);
    case RS_BINARY_MINIMUM: return at::minimum(a, b);
    case RS_BINARY_EQ: return a.eq(b);
    case RS_BINARY_NE: return a.ne(b);
    case RS_BINARY_LT: return a.lt(b);
    case RS_BINARY_LE: return a.le(b);
    case RS_BINARY_GT: return a.gt(b);
    case RS_BINARY_GE: return a.ge(b);
    case RS_BINARY_LOGICAL_AND: return a.logical_and(b);
    case RS_BINARY_LOGICAL_OR: return a.logical_or(b);
    case RS_BINARY_LOGICAL_XOR: return a.logical_xor(b);
    case RS_BINARY_REMAINDER: return a.remainder(b);
    case RS_BINARY_FLOOR_DIVIDE: return a.div(b, "floor");
    case RS_BINARY_ATAN2: return a.atan2(b);
    case RS_BINARY_BITWISE_AND: return a.bitwise_and(b);
    case RS_BINARY_BITWISE_OR: return a.bitwise_or(b);
  }
  TORCH_CHECK(false, "unknown binary op ", (int)op);
}

static void binary_(rs_binary_op op, at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case RS_BINARY_ADD: a.add_(b); return;
    case RS_BINARY_SUB: a.sub_(b); return;
    case RS_BINARY_MUL: a.mul_(b); return;
    case RS_BINARY_DIV: a.div_(b); return;
    case RS_BINARY_POW: a.pow_(b); return;
    default: a.copy_(binary(op, a, b)); return;
  }
}

/// A scalar as a 0-dim "wrapped number", so type promotion follows PyTorch's rules for
/// Python numbers (int tensor * 0.5 → float; float16 tensor + 1.0 stays float16).
static at::Tensor wrapped(rs_scalar s, const at::Tensor& like) {
  auto t = at::scalar_to_tensor(rs::scalar(s), like.device());
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

extern "C" {

rs_status rs_unary(rs_tensor* out, rs_unary_op op, rs_tensor x) { RS_RETURN_TENSOR(unary(op, T(x))); }
rs_status rs_unary_(rs_unary_op op, rs_tensor x) { RS_GUARD(unary_(op, T(x))) }

rs_status rs_binary(rs_tensor* out, rs_binary_op op, rs_tensor a, rs_tensor b) {
  RS_RETURN_TENSOR(binary(op, T(a), T(b)));
}
rs_status rs_binary_(rs_binary_op op, rs_tensor a, rs_tensor b) { RS_GUARD(binary_(op, T(a), T(b))) }

rs_status rs_binary_scalar(rs_tensor* out, rs_binary_op op, rs_tensor a, rs_scalar s,
                           int32_t scalar_first) {
  RS_GUARD({
    auto w = wrapped(s, T(a));
    *out = rs::wrap(scalar_first ? binary(op, w, T(a)) : binary(op, T(a), w));
  })
}

rs_status rs_binary_scalar_(rs_binary_op op, rs_tensor a, rs_scalar s) {
  RS_GUARD(binary_(op, T(a), wrapped(s, T(a))))
}

rs_status rs_fill_(rs_tensor x, rs_scalar value) { RS_GUARD(T(x).fill_(rs::scalar(value))) }

rs_status rs_add_scaled(rs_tensor* out, rs_tensor a, rs_tensor b, rs_scalar alpha) {
  RS_RETURN_TENSOR(T(a).add(T(b), rs::scalar(alpha)));
}
rs_status rs_add_scaled_(rs_tensor a, rs_tensor b, rs_scalar alpha) {
  RS_GUARD(T(a).add_(T(b), rs::scalar(alpha)))
}
rs_status rs_isclose(rs_tensor* out, rs_tensor a, rs_tensor b, double rtol, double atol,
                     int32_t equal_nan) {
  RS_RETURN_TENSOR(at::isclose(T(a), T(b), rtol, atol, equal_nan != 0));
}
rs_status rs_equal(int32_t* out, rs_tensor a, rs_tensor b) { RS_GUARD(*out = at::equal(T(a), T(b))) }
rs_status rs_bernoulli(rs_tensor* out, rs_tensor p) { RS_RETURN_TENSOR(at::bernoulli(T(p))); }
rs_status rs_bernoulli_(rs_tensor x, double p) { RS_GUARD(T(x).bernoulli_(p)) }

}  // extern "C"
