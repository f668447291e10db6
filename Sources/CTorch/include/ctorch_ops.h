// CTorch tensor operations: element-wise families, reductions, shape and indexing ops.
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

#ifdef __cplusplus
}
#endif
