// Reductions, cumulative ops, clamp and the fused three-operand element-wise ops.
#include <algorithm>
#include <numeric>

#include "shim.hpp"

using rs::T;

/// `dims` wrapped to [0, rank); n = 0 means every dimension.
static std::vector<int64_t> reduction_dims(const at::Tensor& x, const int64_t* dims, int64_t n) {
  std::vector<int64_t> out;
  if (n == 0) {
    out.resize((size_t)x.dim());
    std::iota(out.begin(), out.end(), 0);
  } else {
    for (int64_t k = 0; k < n; ++k) out.push_back(at::maybe_wrap_dim(dims[k], x.dim()));
  }
  return out;
}

static std::optional<at::ScalarType> opt_dtype(int32_t code) {
  return code < 0 ? std::nullopt : std::optional<at::ScalarType>(rs::dtype(code));
}

/// prod over several dimensions: ATen reduces one at a time, so go from the last dimension down.
static at::Tensor prod_dims(const at::Tensor& x, std::vector<int64_t> dims, bool keepdim,
                            std::optional<at::ScalarType> dtype) {
  if (dims.empty()) return dtype ? x.to(*dtype) : x.clone();
  std::sort(dims.rbegin(), dims.rend());
  TORCH_CHECK(std::adjacent_find(dims.begin(), dims.end()) == dims.end(), "prod: repeated dimension");
  at::Tensor r = x;
  for (size_t k = 0; k < dims.size(); ++k) r = r.prod(dims[k], keepdim, k == 0 ? dtype : std::nullopt);
  return r;
}

static at::Tensor reduce(rs_reduce_op op, const at::Tensor& x, const int64_t* d, int64_t n,
                         bool keepdim, int32_t dtype_code) {
  auto dims = reduction_dims(x, d, n);
  auto dtype = opt_dtype(dtype_code);
  switch (op) {
    case RS_REDUCE_SUM: return at::sum(x, dims, keepdim, dtype);
    case RS_REDUCE_MEAN: return at::mean(x, dims, keepdim, dtype);
    case RS_REDUCE_PROD: return prod_dims(x, dims, keepdim, dtype);
    case RS_REDUCE_NANSUM: return at::nansum(x, dims, keepdim, dtype);
    case RS_REDUCE_AMAX: return at::amax(x, dims, keepdim);
    case RS_REDUCE_AMIN: return at::amin(x, dims, keepdim);
    case RS_REDUCE_LOGSUMEXP: return at::logsumexp(x, dims, keepdim);
    case RS_REDUCE_ALL: return at::all(x, at::OptionalIntArrayRef(dims), keepdim);
    case RS_REDUCE_ANY: return at::any(x, at::OptionalIntArrayRef(dims), keepdim);
    case RS_REDUCE_COUNT_NONZERO: return at::sum(x.ne(0), dims, keepdim, at::kLong);
  }
  TORCH_CHECK(false, "unknown reduction ", (int)op);
}

static at::Tensor ternary(rs_ternary_op op, const at::Tensor& a, const at::Tensor& b,
                          const at::Tensor* c, const at::Scalar& value) {
  switch (op) {
    case RS_TERNARY_LERP: return c ? at::lerp(a, b, *c) : at::lerp(a, b, value);
    case RS_TERNARY_ADDCMUL: TORCH_CHECK(c, "addcmul needs two tensors"); return at::addcmul(a, b, *c, value);
    case RS_TERNARY_ADDCDIV: TORCH_CHECK(c, "addcdiv needs two tensors"); return at::addcdiv(a, b, *c, value);
  }
  TORCH_CHECK(false, "unknown ternary op ", (int)op);
}

static void ternary_(rs_ternary_op op, at::Tensor& a, const at::Tensor& b, const at::Tensor* c,
                     const at::Scalar& value) {
  switch (op) {
    case RS_TERNARY_LERP: c ? a.lerp_(b, *c) : a.lerp_(b, value); return;
    case RS_TERNARY_ADDCMUL: TORCH_CHECK(c, "addcmul_ needs two tensors"); a.addcmul_(b, *c, value); return;
    case RS_TERNARY_ADDCDIV: TORCH_CHECK(c, "addcdiv_ needs two tensors"); a.addcdiv_(b, *c, value); return;
  }
  TORCH_CHECK(false, "unknown ternary op ", (int)op);
}

static std::optional<at::Scalar> opt_scalar(const rs_scalar* s) {
  return s ? std::optional<at::Scalar>(rs::scalar(*s)) : std::nullopt;
}

static const at::Tensor* ptr(rs_tensor t) { return t ? &T(t) : nullptr; }

extern "C" {

rs_status rs_reduce(rs_tensor* out, rs_reduce_op op, rs_tensor x, const int64_t* dims, int64_t n,
                    int32_t keepdim, int32_t dtype) {
  RS_RETURN_TENSOR(reduce(op, T(x), dims, n, keepdim != 0, dtype));
}

rs_status rs_var_std(rs_tensor* out, rs_tensor x, const int64_t* dims, int64_t n,
                     double correction, int32_t keepdim, int32_t take_sqrt) {
  RS_GUARD({
    auto d = reduction_dims(T(x), dims, n);
    at::Scalar c(correction);
    *out = rs::wrap(take_sqrt ? at::std(T(x), at::OptionalIntArrayRef(d), c, keepdim != 0)
                              : at::var(T(x), at::OptionalIntArrayRef(d), c, keepdim != 0));
  })
}

rs_status rs_vector_norm(rs_tensor* out, rs_tensor x, double p, const int64_t* dims, int64_t n,
                         int32_t keepdim) {
  RS_GUARD({
    auto d = reduction_dims(T(x), dims, n);
    *out = rs::wrap(at::linalg_vector_norm(T(x), p, at::OptionalIntArrayRef(d), keepdim != 0));
  })
}

rs_status rs_arg_reduce(rs_tensor* out, int32_t is_max, rs_tensor x, int64_t dim, int32_t has_dim,
                        int32_t keepdim) {
  RS_GUARD({
    auto d = has_dim ? std::optional<int64_t>(dim) : std::nullopt;
    *out = rs::wrap(is_max ? at::argmax(T(x), d, keepdim != 0) : at::argmin(T(x), d, keepdim != 0));
  })
}

rs_status rs_minmax_dim(rs_tensor* values, rs_tensor* indices, int32_t is_max, rs_tensor x,
                        int64_t dim, int32_t keepdim) {
  RS_GUARD({
    auto [v, i] = is_max ? at::max(T(x), dim, keepdim != 0) : at::min(T(x), dim, keepdim != 0);
    *values = rs::wrap(v);
    *indices = rs::wrap(i);
  })
}

rs_status rs_cumulative(rs_tensor* out, rs_cumulative_op op, rs_tensor x, int64_t dim, int32_t dtype) {
  RS_GUARD({
    switch (op) {
      case RS_CUMULATIVE_SUM: *out = rs::wrap(at::cumsum(T(x), dim, opt_dtype(dtype))); return 0;
      case RS_CUMULATIVE_PROD: *out = rs::wrap(at::cumprod(T(x), dim, opt_dtype(dtype))); return 0;
      case RS_CUMULATIVE_LOGSUMEXP: *out = rs::wrap(at::logcumsumexp(T(x), dim)); return 0;
    }
    TORCH_CHECK(false, "unknown cumulative op ", (int)op);
  })
}

rs_status rs_clamp(rs_tensor* out, rs_tensor x, const rs_scalar* min, const rs_scalar* max) {
  RS_RETURN_TENSOR(at::clamp(T(x), opt_scalar(min), opt_scalar(max)));
}
rs_status rs_clamp_(rs_tensor x, const rs_scalar* min, const rs_scalar* max) {
  RS_GUARD(T(x).clamp_(opt_scalar(min), opt_scalar(max)))
}
rs_status rs_clamp_tensor(rs_tensor* out, rs_tensor x, rs_tensor min, rs_tensor max) {
  RS_RETURN_TENSOR(at::clamp(T(x), rs::opt(min), rs::opt(max)));
}

rs_status rs_ternary(rs_tensor* out, rs_ternary_op op, rs_tensor a, rs_tensor b, rs_tensor c,
                     rs_scalar value) {
  RS_RETURN_TENSOR(ternary(op, T(a), T(b), ptr(c), rs::scalar(value)));
}
rs_status rs_ternary_(rs_ternary_op op, rs_tensor a, rs_tensor b, rs_tensor c, rs_scalar value) {
  RS_GUARD(ternary_(op, T(a), T(b), ptr(c), rs::scalar(value)))
}

}  // extern "C"
