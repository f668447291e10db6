// Shape and view ops.
#include "shim.hpp"

using rs::T;

extern "C" {

rs_status rs_reshape(rs_tensor* out, rs_tensor x, const int64_t* shape, int64_t n) {
  RS_RETURN_TENSOR(T(x).reshape(rs::ints(shape, n)));
}
rs_status rs_view(rs_tensor* out, rs_tensor x, const int64_t* shape, int64_t n) {
  RS_RETURN_TENSOR(T(x).view(rs::ints(shape, n)));
}
rs_status rs_permute(rs_tensor* out, rs_tensor x, const int64_t* dims, int64_t n) {
  RS_RETURN_TENSOR(T(x).permute(rs::ints(dims, n)));
}
rs_status rs_transpose(rs_tensor* out, rs_tensor x, int64_t a, int64_t b) {
  RS_RETURN_TENSOR(T(x).transpose(a, b));
}
rs_status rs_flatten(rs_tensor* out, rs_tensor x, int64_t start, int64_t end) {
  RS_RETURN_TENSOR(T(x).flatten(start, end));
}
rs_status rs_unsqueeze(rs_tensor* out, rs_tensor x, int64_t dim) { RS_RETURN_TENSOR(T(x).unsqueeze(dim)); }
rs_status rs_squeeze(rs_tensor* out, rs_tensor x, int64_t dim, int32_t has_dim) {
  RS_RETURN_TENSOR(has_dim ? T(x).squeeze(dim) : T(x).squeeze());
}
rs_status rs_as_strided(rs_tensor* out, rs_tensor x, const int64_t* shape, const int64_t* strides,
                        int64_t n, int64_t storage_offset) {
  RS_RETURN_TENSOR(T(x).as_strided(rs::ints(shape, n), rs::ints(strides, n), storage_offset));
}
rs_status rs_cat(rs_tensor* out, const rs_tensor* list, int64_t n, int64_t dim) {
  RS_RETURN_TENSOR(at::cat(rs::tensors(list, n), dim));
}
rs_status rs_stack(rs_tensor* out, const rs_tensor* list, int64_t n, int64_t dim) {
  RS_RETURN_TENSOR(at::stack(rs::tensors(list, n), dim));
}

}  // extern "C"
