// Indexing: PyTorch index expressions, gather/scatter, masks, where, sorting and selection.
#include <ATen/TensorIndexing.h>

#include "shim.hpp"

using rs::T;
namespace idx = at::indexing;

static std::vector<idx::TensorIndex> index_list(const rs_index_part* list, int64_t n) {
  std::vector<idx::TensorIndex> out;
  out.reserve((size_t)n);
  bool ellipsis = false;
  for (int64_t k = 0; k < n; ++k) {
    const rs_index_part& i = list[k];
    // ATen's C++ indexing lets a second ellipsis through; PyTorch's Python front end rejects it.
    TORCH_CHECK(i.kind != RS_INDEX_ELLIPSIS || !ellipsis, "an index can only have a single ellipsis ('...')");
    ellipsis = ellipsis || i.kind == RS_INDEX_ELLIPSIS;
    switch (i.kind) {
      case RS_INDEX_INT: out.emplace_back(i.start); break;
      case RS_INDEX_SLICE: out.emplace_back(idx::Slice(i.start, i.end, i.step)); break;
      case RS_INDEX_NONE: out.emplace_back(idx::None); break;
      case RS_INDEX_ELLIPSIS: out.emplace_back(idx::Ellipsis); break;
      case RS_INDEX_TENSOR:
        TORCH_CHECK(i.tensor, "index ", k, ": tensor index without a tensor");
        out.emplace_back(T(i.tensor));
        break;
      default: TORCH_CHECK(false, "index ", k, ": unknown index kind ", i.kind);
    }
  }
  return out;
}

extern "C" {

rs_status rs_index(rs_tensor* out, rs_tensor x, const rs_index_part* indices, int64_t n) {
  RS_RETURN_TENSOR(T(x).index(index_list(indices, n)));
}

rs_status rs_index_assign_(rs_tensor x, const rs_index_part* indices, int64_t n, rs_tensor value,
                           rs_scalar scalar) {
  RS_GUARD({
    auto list = index_list(indices, n);
    if (value) T(x).index_put_(list, T(value));
    else T(x).index_put_(list, rs::scalar(scalar));
  })
}

rs_status rs_index_put_(rs_tensor x, const rs_tensor* indices, int64_t n, rs_tensor values,
                        int32_t accumulate) {
  RS_GUARD({
    c10::List<std::optional<at::Tensor>> list;
    for (int64_t k = 0; k < n; ++k) list.push_back(rs::opt(indices[k]));
    T(x).index_put_(list, T(values), accumulate != 0);
  })
}

rs_status rs_index_select(rs_tensor* out, rs_tensor x, int64_t dim, rs_tensor index) {
  RS_RETURN_TENSOR(T(x).index_select(dim, T(index)));
}

rs_status rs_index_add(rs_tensor* out, rs_tensor x, int64_t dim, rs_tensor index, rs_tensor source,
                       rs_scalar alpha) {
  RS_RETURN_TENSOR(T(x).index_add(dim, T(index), T(source), rs::scalar(alpha)));
}

rs_status rs_gather(rs_tensor* out, rs_tensor x, int64_t dim, rs_tensor index) {
  RS_RETURN_TENSOR(T(x).gather(dim, T(index)));
}

rs_status rs_scatter(rs_tensor* out, rs_tensor x, int64_t dim, rs_tensor index, rs_tensor src,
                     rs_scalar value) {
  RS_RETURN_TENSOR(src ? T(x).scatter(dim, T(index), T(src))
                       : T(x).scatter(dim, T(index), rs::scalar(value)));
}

rs_status rs_scatter_(rs_tensor x, int64_t dim, rs_tensor index, rs_tensor src, rs_scalar value) {
  RS_GUARD(src ? T(x).scatter_(dim, T(index), T(src)) : T(x).scatter_(dim, T(index), rs::scalar(value)))
}

rs_status rs_scatter_reduce(rs_tensor* out, rs_tensor x, int64_t dim, rs_tensor index, rs_tensor src,
                            const char* reduce, int32_t include_self) {
  RS_RETURN_TENSOR(T(x).scatter_reduce(dim, T(index), T(src), reduce, include_self != 0));
}

rs_status rs_scatter_reduce_(rs_tensor x, int64_t dim, rs_tensor index, rs_tensor src,
                             const char* reduce, int32_t include_self) {
  RS_GUARD(T(x).scatter_reduce_(dim, T(index), T(src), reduce, include_self != 0))
}

rs_status rs_where(rs_tensor* out, rs_tensor cond, rs_tensor a, rs_scalar a_scalar, rs_tensor b,
                   rs_scalar b_scalar) {
  RS_GUARD({
    const auto& c = T(cond);
    at::Tensor r;
    if (a && b) r = at::where(c, T(a), T(b));
    else if (a) r = at::where(c, T(a), rs::scalar(b_scalar));
    else if (b) r = at::where(c, rs::scalar(a_scalar), T(b));
    else r = at::where(c, rs::scalar(a_scalar), rs::scalar(b_scalar));
    *out = rs::wrap(std::move(r));
  })
}

rs_status rs_masked_fill(rs_tensor* out, rs_tensor x, rs_tensor mask, rs_tensor value, rs_scalar scalar) {
  RS_RETURN_TENSOR(value ? T(x).masked_fill(T(mask), T(value))
                         : T(x).masked_fill(T(mask), rs::scalar(scalar)));
}

rs_status rs_masked_fill_(rs_tensor x, rs_tensor mask, rs_tensor value, rs_scalar scalar) {
  RS_GUARD(value ? T(x).masked_fill_(T(mask), T(value)) : T(x).masked_fill_(T(mask), rs::scalar(scalar)))
}

rs_status rs_masked_select(rs_tensor* out, rs_tensor x, rs_tensor mask) {
  RS_RETURN_TENSOR(T(x).masked_select(T(mask)));
}

rs_status rs_bincount(rs_tensor* out, rs_tensor x, rs_tensor weights, int64_t minlength) {
  RS_RETURN_TENSOR(at::bincount(T(x), rs::opt(weights), minlength));
}

rs_status rs_nonzero(rs_tensor* out, rs_tensor x) { RS_RETURN_TENSOR(T(x).nonzero()); }

rs_status rs_topk(rs_tensor* values, rs_tensor* indices, rs_tensor x, int64_t k, int64_t dim,
                  int32_t largest, int32_t sorted) {
  RS_GUARD({
    auto [v, i] = T(x).topk(k, dim, largest != 0, sorted != 0);
    *values = rs::wrap(v);
    *indices = rs::wrap(i);
  })
}

rs_status rs_sort(rs_tensor* values, rs_tensor* indices, rs_tensor x, int64_t dim,
                  int32_t descending, int32_t stable) {
  RS_GUARD({
    auto [v, i] = T(x).sort(stable != 0, dim, descending != 0);
    *values = rs::wrap(v);
    *indices = rs::wrap(i);
  })
}

rs_status rs_unique(rs_tensor* values, rs_tensor* inverse, rs_tensor* counts, rs_tensor x,
                    int32_t sorted) {
  RS_GUARD({
    auto [v, inv, c] = at::_unique2(T(x), sorted != 0, inverse != nullptr, counts != nullptr);
    *values = rs::wrap(v);
    if (inverse) *inverse = rs::wrap(inv);
    if (counts) *counts = rs::wrap(c);
  })
}

}  // extern "C"
