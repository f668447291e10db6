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

rs_status rs_expand(rs_tensor* out, rs_tensor x, const int64_t* shape, int64_t n) {
  RS_RETURN_TENSOR(T(x).expand(rs::ints(shape, n)));
}
rs_status rs_broadcast_to(rs_tensor* out, rs_tensor x, const int64_t* shape, int64_t n) {
  RS_RETURN_TENSOR(at::broadcast_to(T(x), rs::ints(shape, n)));
}
rs_status rs_broadcast_tensors(rs_tensor** out, int64_t* count, const rs_tensor* list, int64_t n) {
  RS_GUARD(rs::wrap_list(at::broadcast_tensors(rs::tensors(list, n)), out, count))
}
rs_status rs_repeat(rs_tensor* out, rs_tensor x, const int64_t* repeats, int64_t n) {
  RS_RETURN_TENSOR(T(x).repeat(rs::ints(repeats, n)));
}
rs_status rs_narrow(rs_tensor* out, rs_tensor x, int64_t dim, int64_t start, int64_t length) {
  RS_RETURN_TENSOR(T(x).narrow(dim, start, length));
}
rs_status rs_select(rs_tensor* out, rs_tensor x, int64_t dim, int64_t index) {
  RS_RETURN_TENSOR(T(x).select(dim, index));
}
rs_status rs_slice(rs_tensor* out, rs_tensor x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  RS_RETURN_TENSOR(T(x).slice(dim, start, end, step));
}
rs_status rs_chunk(rs_tensor** out, int64_t* count, rs_tensor x, int64_t chunks, int64_t dim) {
  RS_GUARD(rs::wrap_list(T(x).chunk(chunks, dim), out, count))
}
rs_status rs_split(rs_tensor** out, int64_t* count, rs_tensor x, int64_t size, int64_t dim) {
  RS_GUARD(rs::wrap_list(T(x).split(size, dim), out, count))
}
rs_status rs_split_with_sizes(rs_tensor** out, int64_t* count, rs_tensor x, const int64_t* sizes,
                              int64_t n, int64_t dim) {
  RS_GUARD(rs::wrap_list(T(x).split_with_sizes(rs::ints(sizes, n), dim), out, count))
}
rs_status rs_unbind(rs_tensor** out, int64_t* count, rs_tensor x, int64_t dim) {
  RS_GUARD(rs::wrap_list(T(x).unbind(dim), out, count))
}
rs_status rs_flip(rs_tensor* out, rs_tensor x, const int64_t* dims, int64_t n) {
  RS_RETURN_TENSOR(T(x).flip(rs::ints(dims, n)));
}
rs_status rs_roll(rs_tensor* out, rs_tensor x, const int64_t* shifts, int64_t n_shifts,
                  const int64_t* dims, int64_t n_dims) {
  RS_RETURN_TENSOR(T(x).roll(rs::ints(shifts, n_shifts), rs::ints(dims, n_dims)));
}
rs_status rs_rot90(rs_tensor* out, rs_tensor x, int64_t k, int64_t dim0, int64_t dim1) {
  RS_RETURN_TENSOR(T(x).rot90(k, {dim0, dim1}));
}
rs_status rs_triangle(rs_tensor* out, rs_tensor x, int64_t diagonal, int32_t upper) {
  RS_RETURN_TENSOR(upper ? T(x).triu(diagonal) : T(x).tril(diagonal));
}
rs_status rs_unflatten(rs_tensor* out, rs_tensor x, int64_t dim, const int64_t* sizes, int64_t n) {
  RS_RETURN_TENSOR(T(x).unflatten(dim, rs::ints(sizes, n)));
}
rs_status rs_movedim(rs_tensor* out, rs_tensor x, const int64_t* source, const int64_t* destination,
                     int64_t n) {
  RS_RETURN_TENSOR(T(x).movedim(rs::ints(source, n), rs::ints(destination, n)));
}
rs_status rs_diagonal(rs_tensor* out, rs_tensor x, int64_t offset, int64_t dim1, int64_t dim2) {
  RS_RETURN_TENSOR(T(x).diagonal(offset, dim1, dim2));
}
rs_status rs_repeat_interleave(rs_tensor* out, rs_tensor x, int64_t repeats, int64_t dim) {
  RS_RETURN_TENSOR(T(x).repeat_interleave(repeats, dim));
}

rs_status rs_meshgrid(rs_tensor** out, int64_t* count, const rs_tensor* list, int64_t n,
                      const char* indexing) {
  RS_GUARD(rs::wrap_list(at::meshgrid(rs::tensors(list, n), indexing), out, count))
}

}  // extern "C"
