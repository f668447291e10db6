// CTorch tensor operations: element-wise families, shape and view ops, reductions, indexing and
// linear algebra.
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Element-wise functions of one tensor, selected by code (see RS_UNARY_* below).
typedef enum {
  RS_UNARY_NEG, RS_UNARY_ABS, RS_UNARY_EXP, RS_UNARY_LOG, RS_UNARY_SQRT, RS_UNARY_RSQRT,
  RS_UNARY_SIN, RS_UNARY_COS, RS_UNARY_TANH, RS_UNARY_SIGMOID, RS_UNARY_RELU, RS_UNARY_GELU,
  RS_UNARY_GELU_TANH, RS_UNARY_SILU, RS_UNARY_FLOOR, RS_UNARY_CEIL, RS_UNARY_ROUND,
  RS_UNARY_SIGN, RS_UNARY_RECIPROCAL, RS_UNARY_ERF, RS_UNARY_LOG1P, RS_UNARY_EXPM1,
  RS_UNARY_LOGICAL_NOT, RS_UNARY_ISNAN, RS_UNARY_ISFINITE, RS_UNARY_SQUARE, RS_UNARY_TRUNC,
  RS_UNARY_BITWISE_NOT, RS_UNARY_LOG2, RS_UNARY_ATAN, RS_UNARY_ASIN, RS_UNARY_ACOS,
} rs_unary_op;

/// Element-wise functions of two tensors (broadcasting), selected by code.
typedef enum {
  RS_BINARY_ADD, RS_BINARY_SUB, RS_BINARY_MUL, RS_BINARY_DIV, RS_BINARY_POW,
  RS_BINARY_MAXIMUM, RS_BINARY_MINIMUM, RS_BINARY_EQ, RS_BINARY_NE, RS_BINARY_LT, RS_BINARY_LE,
  RS_BINARY_GT, RS_BINARY_GE, RS_BINARY_LOGICAL_AND, RS_BINARY_LOGICAL_OR,
  RS_BINARY_LOGICAL_XOR, RS_BINARY_REMAINDER, RS_BINARY_FLOOR_DIVIDE, RS_BINARY_ATAN2,
  RS_BINARY_BITWISE_AND, RS_BINARY_BITWISE_OR,
} rs_binary_op;

rs_status rs_unary(rs_tensor* out, rs_unary_op op, rs_tensor x);
rs_status rs_unary_(rs_unary_op op, rs_tensor x);
rs_status rs_binary(rs_tensor* out, rs_binary_op op, rs_tensor a, rs_tensor b);
/// In place: a = a op b.
rs_status rs_binary_(rs_binary_op op, rs_tensor a, rs_tensor b);
/// a op s, or s op a when `scalar_first` is set.
rs_status rs_binary_scalar(rs_tensor* out, rs_binary_op op, rs_tensor a, rs_scalar s,
                           int32_t scalar_first);
rs_status rs_binary_scalar_(rs_binary_op op, rs_tensor a, rs_scalar s);
/// In place: every element of x set to `value`.
rs_status rs_fill_(rs_tensor x, rs_scalar value);
/// a + alpha * b (torch.add(a, b, alpha=)); the optimiser step's fused form.
rs_status rs_add_scaled(rs_tensor* out, rs_tensor a, rs_tensor b, rs_scalar alpha);
rs_status rs_add_scaled_(rs_tensor a, rs_tensor b, rs_scalar alpha);
/// torch.isclose(a, b, rtol, atol, equal_nan) (bool tensor).
rs_status rs_isclose(rs_tensor* out, rs_tensor a, rs_tensor b, double rtol, double atol,
                     int32_t equal_nan);
/// torch.equal(a, b): same shape and elements.
rs_status rs_equal(int32_t* out, rs_tensor a, rs_tensor b);
/// torch.bernoulli(p): 0/1 samples with the probabilities in p (default generator).
rs_status rs_bernoulli(rs_tensor* out, rs_tensor p);
/// In place: x.bernoulli_(p) with a scalar probability.
rs_status rs_bernoulli_(rs_tensor x, double p);

// --- shape -------------------------------------------------------------------------------
rs_status rs_reshape(rs_tensor* out, rs_tensor x, const int64_t* shape, int64_t n);
rs_status rs_view(rs_tensor* out, rs_tensor x, const int64_t* shape, int64_t n);
rs_status rs_permute(rs_tensor* out, rs_tensor x, const int64_t* dims, int64_t n);
rs_status rs_transpose(rs_tensor* out, rs_tensor x, int64_t a, int64_t b);
rs_status rs_flatten(rs_tensor* out, rs_tensor x, int64_t start, int64_t end);
rs_status rs_unsqueeze(rs_tensor* out, rs_tensor x, int64_t dim);
/// has_dim = 0 squeezes every size-1 dimension.
rs_status rs_squeeze(rs_tensor* out, rs_tensor x, int64_t dim, int32_t has_dim);
rs_status rs_as_strided(rs_tensor* out, rs_tensor x, const int64_t* shape, const int64_t* strides,
                        int64_t n, int64_t storage_offset);
rs_status rs_cat(rs_tensor* out, const rs_tensor* list, int64_t n, int64_t dim);
rs_status rs_stack(rs_tensor* out, const rs_tensor* list, int64_t n, int64_t dim);
rs_status rs_expand(rs_tensor* out, rs_tensor x, const int64_t* shape, int64_t n);
rs_status rs_broadcast_to(rs_tensor* out, rs_tensor x, const int64_t* shape, int64_t n);
/// torch.broadcast_tensors: views of every input expanded to their common shape.
rs_status rs_broadcast_tensors(rs_tensor** out, int64_t* count, const rs_tensor* list, int64_t n);
rs_status rs_repeat(rs_tensor* out, rs_tensor x, const int64_t* repeats, int64_t n);
rs_status rs_narrow(rs_tensor* out, rs_tensor x, int64_t dim, int64_t start, int64_t length);
rs_status rs_select(rs_tensor* out, rs_tensor x, int64_t dim, int64_t index);
/// x[..., start:end:step, ...] along `dim` (a view); end = INT64_MAX runs to the end.
rs_status rs_slice(rs_tensor* out, rs_tensor x, int64_t dim, int64_t start, int64_t end, int64_t step);
rs_status rs_chunk(rs_tensor** out, int64_t* count, rs_tensor x, int64_t chunks, int64_t dim);
/// Pieces of `size` elements along `dim` (the last may be smaller).
rs_status rs_split(rs_tensor** out, int64_t* count, rs_tensor x, int64_t size, int64_t dim);
/// Pieces of the given sizes along `dim`.
rs_status rs_split_with_sizes(rs_tensor** out, int64_t* count, rs_tensor x, const int64_t* sizes,
                              int64_t n, int64_t dim);
rs_status rs_unbind(rs_tensor** out, int64_t* count, rs_tensor x, int64_t dim);
rs_status rs_flip(rs_tensor* out, rs_tensor x, const int64_t* dims, int64_t n);
rs_status rs_roll(rs_tensor* out, rs_tensor x, const int64_t* shifts, int64_t n_shifts,
                  const int64_t* dims, int64_t n_dims);
rs_status rs_rot90(rs_tensor* out, rs_tensor x, int64_t k, int64_t dim0, int64_t dim1);
/// tril (upper = 0) or triu (upper = 1) of the last two dimensions.
rs_status rs_triangle(rs_tensor* out, rs_tensor x, int64_t diagonal, int32_t upper);
rs_status rs_unflatten(rs_tensor* out, rs_tensor x, int64_t dim, const int64_t* sizes, int64_t n);
rs_status rs_movedim(rs_tensor* out, rs_tensor x, const int64_t* source, const int64_t* destination,
                     int64_t n);
/// x.diagonal(offset, dim1, dim2) (a view).
rs_status rs_diagonal(rs_tensor* out, rs_tensor x, int64_t offset, int64_t dim1, int64_t dim2);
rs_status rs_repeat_interleave(rs_tensor* out, rs_tensor x, int64_t repeats, int64_t dim);
/// torch.meshgrid(tensors, indexing) with indexing "ij" or "xy".
rs_status rs_meshgrid(rs_tensor** out, int64_t* count, const rs_tensor* list, int64_t n,
                      const char* indexing);

// --- reductions ----------------------------------------------------------------------------
/// Reductions over a set of dimensions, selected by code.
typedef enum {
  RS_REDUCE_SUM, RS_REDUCE_MEAN, RS_REDUCE_PROD, RS_REDUCE_AMAX, RS_REDUCE_AMIN,
  RS_REDUCE_LOGSUMEXP, RS_REDUCE_ALL, RS_REDUCE_ANY, RS_REDUCE_COUNT_NONZERO, RS_REDUCE_NANSUM,
} rs_reduce_op;

/// Reduces `x` over `dims` (n = 0: every dimension). `dtype` >= 0 sets the accumulation and
/// result dtype (sum, mean, prod, nansum); -1 keeps PyTorch's default.
rs_status rs_reduce(rs_tensor* out, rs_reduce_op op, rs_tensor x, const int64_t* dims, int64_t n,
                    int32_t keepdim, int32_t dtype);
/// var (take_sqrt = 0) or std (1) over `dims` (n = 0: all) with Bessel `correction`.
rs_status rs_var_std(rs_tensor* out, rs_tensor x, const int64_t* dims, int64_t n,
                     double correction, int32_t keepdim, int32_t take_sqrt);
/// torch.linalg.vector_norm(x, ord = p, dim = dims (n = 0: all), keepdim); p may be ±inf.
rs_status rs_vector_norm(rs_tensor* out, rs_tensor x, double p, const int64_t* dims, int64_t n,
                         int32_t keepdim);
/// argmax (is_max = 1) or argmin over `dim`, or over the flattened tensor when has_dim = 0.
rs_status rs_arg_reduce(rs_tensor* out, int32_t is_max, rs_tensor x, int64_t dim, int32_t has_dim,
                        int32_t keepdim);
/// max (is_max = 1) or min along `dim`: values and int64 indices.
rs_status rs_minmax_dim(rs_tensor* values, rs_tensor* indices, int32_t is_max, rs_tensor x,
                        int64_t dim, int32_t keepdim);
/// Cumulative ops along a dimension.
typedef enum { RS_CUMULATIVE_SUM, RS_CUMULATIVE_PROD, RS_CUMULATIVE_LOGSUMEXP } rs_cumulative_op;
rs_status rs_cumulative(rs_tensor* out, rs_cumulative_op op, rs_tensor x, int64_t dim, int32_t dtype);

// --- clamp and fused element-wise ops -------------------------------------------------------
/// clamp(x, min, max) with optional scalar bounds (NULL = unbounded).
rs_status rs_clamp(rs_tensor* out, rs_tensor x, const rs_scalar* min, const rs_scalar* max);
rs_status rs_clamp_(rs_tensor x, const rs_scalar* min, const rs_scalar* max);
/// clamp(x, min, max) with optional tensor bounds (NULL = unbounded), broadcasting.
rs_status rs_clamp_tensor(rs_tensor* out, rs_tensor x, rs_tensor min, rs_tensor max);

/// Element-wise functions of three tensors with a scalar coefficient:
///   LERP:    a + value_or_c * (b - a)   (weight is tensor c, or scalar `value` when c is NULL)
///   ADDCMUL: a + value * b * c
///   ADDCDIV: a + value * b / c
typedef enum { RS_TERNARY_LERP, RS_TERNARY_ADDCMUL, RS_TERNARY_ADDCDIV } rs_ternary_op;
rs_status rs_ternary(rs_tensor* out, rs_ternary_op op, rs_tensor a, rs_tensor b, rs_tensor c,
                     rs_scalar value);
/// In place into a.
rs_status rs_ternary_(rs_ternary_op op, rs_tensor a, rs_tensor b, rs_tensor c, rs_scalar value);

// --- indexing ------------------------------------------------------------------------------
/// One component of a PyTorch index expression `x[i0, i1, …]`.
typedef enum {
  RS_INDEX_INT,       ///< `start` is the index (negative counts from the end); the dim is removed
  RS_INDEX_SLICE,     ///< `start:end:step`; end = INT64_MAX runs to the end
  RS_INDEX_NONE,      ///< None / newaxis: inserts a size-1 dimension
  RS_INDEX_ELLIPSIS,  ///< `...`: as many full slices as needed
  RS_INDEX_TENSOR,    ///< advanced indexing with an integer or boolean tensor
} rs_index_kind;

typedef struct {
  int32_t kind;
  int64_t start;
  int64_t end;
  int64_t step;
  rs_tensor tensor;
} rs_index_part;

/// x[indices] with PyTorch's semantics (basic indexing gives a view, advanced indexing a copy).
rs_status rs_index(rs_tensor* out, rs_tensor x, const rs_index_part* indices, int64_t n);
/// In place: x[indices] = value (a tensor broadcast to the indexed shape), or = `scalar` when
/// value is NULL.
rs_status rs_index_assign_(rs_tensor x, const rs_index_part* indices, int64_t n, rs_tensor value,
                           rs_scalar scalar);
/// In place: x.index_put_(indices, values, accumulate); entries of `indices` may be NULL (a full
/// slice for that dimension).
rs_status rs_index_put_(rs_tensor x, const rs_tensor* indices, int64_t n, rs_tensor values,
                        int32_t accumulate);
rs_status rs_index_select(rs_tensor* out, rs_tensor x, int64_t dim, rs_tensor index);
/// x.index_add(dim, index, source, alpha).
rs_status rs_index_add(rs_tensor* out, rs_tensor x, int64_t dim, rs_tensor index, rs_tensor source,
                       rs_scalar alpha);
rs_status rs_gather(rs_tensor* out, rs_tensor x, int64_t dim, rs_tensor index);
/// Rows of x ([N, C]) at `index` (int64 [M]; −1 gives a zero row), as one copy. `inverse` (int64
/// [N]) says where each row of x went (−1: nowhere): the two must be inverse one-to-one maps, and
/// the gradient is the gather by `inverse`.
rs_status rs_gather_rows(rs_tensor* out, rs_tensor x, rs_tensor index, rs_tensor inverse);
/// x.scatter(dim, index, src), or scatter(dim, index, value) when src is NULL.
rs_status rs_scatter(rs_tensor* out, rs_tensor x, int64_t dim, rs_tensor index, rs_tensor src,
                     rs_scalar value);
rs_status rs_scatter_(rs_tensor x, int64_t dim, rs_tensor index, rs_tensor src, rs_scalar value);
/// x.scatter_reduce(dim, index, src, reduce, include_self); reduce is "sum", "prod", "mean",
/// "amax" or "amin" ("sum" with include_self is scatter_add).
rs_status rs_scatter_reduce(rs_tensor* out, rs_tensor x, int64_t dim, rs_tensor index, rs_tensor src,
                            const char* reduce, int32_t include_self);
rs_status rs_scatter_reduce_(rs_tensor x, int64_t dim, rs_tensor index, rs_tensor src,
                             const char* reduce, int32_t include_self);
/// torch.where(cond, a, b); a NULL uses `a_scalar`, b NULL uses `b_scalar`.
rs_status rs_where(rs_tensor* out, rs_tensor cond, rs_tensor a, rs_scalar a_scalar, rs_tensor b,
                   rs_scalar b_scalar);
/// x.masked_fill(mask, value); value NULL uses `scalar`.
rs_status rs_masked_fill(rs_tensor* out, rs_tensor x, rs_tensor mask, rs_tensor value, rs_scalar scalar);
rs_status rs_masked_fill_(rs_tensor x, rs_tensor mask, rs_tensor value, rs_scalar scalar);
rs_status rs_masked_select(rs_tensor* out, rs_tensor x, rs_tensor mask);
/// torch.bincount(x, weights, minlength): counts (or summed weights) of each non-negative int.
rs_status rs_bincount(rs_tensor* out, rs_tensor x, rs_tensor weights, int64_t minlength);
/// Indices of the non-zero elements as an int64 tensor [count, rank].
rs_status rs_nonzero(rs_tensor* out, rs_tensor x);
rs_status rs_topk(rs_tensor* values, rs_tensor* indices, rs_tensor x, int64_t k, int64_t dim,
                  int32_t largest, int32_t sorted);
rs_status rs_sort(rs_tensor* values, rs_tensor* indices, rs_tensor x, int64_t dim,
                  int32_t descending, int32_t stable);
/// torch.unique(x, sorted, return_inverse, return_counts) over the flattened tensor; `inverse`
/// and `counts` may be NULL when not wanted.
rs_status rs_unique(rs_tensor* values, rs_tensor* inverse, rs_tensor* counts, rs_tensor x,
                    int32_t sorted);

// --- linear algebra ------------------------------------------------------------------------
/// Products of two tensors, selected by code: MATMUL (torch.matmul, broadcasting batches),
/// MM ([n, k] x [k, m]), BMM ([b, n, k] x [b, k, m]), OUTER (1-D x 1-D), DOT (1-D · 1-D).
typedef enum {
  RS_PRODUCT_MATMUL, RS_PRODUCT_MM, RS_PRODUCT_BMM, RS_PRODUCT_OUTER, RS_PRODUCT_DOT,
} rs_product_op;
rs_status rs_product(rs_tensor* out, rs_product_op op, rs_tensor a, rs_tensor b);
/// beta * input + alpha * (a @ b): ADDMM (2-D), BADDBMM (batched), ADDBMM (batched, summed).
typedef enum { RS_ADD_PRODUCT_ADDMM, RS_ADD_PRODUCT_BADDBMM, RS_ADD_PRODUCT_ADDBMM } rs_add_product_op;
rs_status rs_add_product(rs_tensor* out, rs_add_product_op op, rs_tensor input, rs_tensor a,
                         rs_tensor b, rs_scalar beta, rs_scalar alpha);
/// torch.einsum(equation, tensors).
rs_status rs_einsum(rs_tensor* out, const char* equation, const rs_tensor* list, int64_t n);

#ifdef __cplusplus
}
#endif
