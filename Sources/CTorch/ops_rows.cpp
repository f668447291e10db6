// Row gathers with holes whose gradient is the inverse gather: Swin's window partition (with the
// padding to window multiples and the cyclic shift) and its reverse, each one copy of the rows.
// The separate pad, roll, permute and crop copy every row up to three times each way, and
// index_select's gradient is an index_add.
#ifndef NDEBUG
#define NDEBUG
#endif
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>

#include <atomic>
#include <cstring>

#include "shim.hpp"

using rs::T;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

/// Row m of the result is row index[m] of x ([N, C]), or zeros where index[m] is −1.
at::Tensor gather_rows(const at::Tensor& x, const at::Tensor& index) {
  const int64_t n = x.size(0), m = index.size(0);
  TORCH_CHECK(index.scalar_type() == at::kLong && index.dim() == 1, "gather_rows: the index must be a 1-D int64 tensor");
  if (!x.is_cpu()) {
    // Other devices: holes point at an appended zero row.
    auto rows = at::cat({x, at::zeros({1, x.size(1)}, x.options())});
    auto i = index.to(x.device());
    return rows.index_select(0, at::where(i < 0, at::full_like(i, n), i));
  }
  RECORD_FUNCTION("rsseg::gather_rows", std::vector<c10::IValue>({x}));
  auto source = x.contiguous();
  auto i = index.contiguous();
  auto out = at::empty({m, x.size(1)}, x.options());
  const auto row_bytes = (size_t)(x.size(1) * x.element_size());
  const auto* from = static_cast<const char*>(source.data_ptr());
  auto* to = static_cast<char*>(out.data_ptr());
  const auto* rows = static_cast<const int64_t*>(i.data_ptr());
  std::atomic<bool> outside{false};
  at::parallel_for(0, m, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, x.size(1))), [&](int64_t first, int64_t last) {
    for (int64_t k = first; k < last; ++k) {
      const int64_t r = rows[k];
      if (r >= 0 && r < n) std::memcpy(to + k * row_bytes, from + r * row_bytes, row_bytes);
      else {
        if (r != -1) outside = true;
        std::memset(to + k * row_bytes, 0, row_bytes);
      }
    }
  });
  TORCH_CHECK(!outside, "gather_rows: an index is outside [-1, ", n, ")");
  return out;
}

struct GatherRowsFunction : public torch::autograd::Function<GatherRowsFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& index,
                            const at::Tensor& inverse) {
    ctx->saved_data["index"] = index;
    ctx->saved_data["inverse"] = inverse;
    return gather_rows(x, index);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto index = ctx->saved_data["index"].toTensor(), inverse = ctx->saved_data["inverse"].toTensor();
    return {GatherRowsFunction::apply(grads[0].contiguous(), inverse, index), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

extern "C" {

rs_status rs_gather_rows(rs_tensor* out, rs_tensor x, rs_tensor index, rs_tensor inverse) {
  RS_GUARD({
    TORCH_CHECK(T(x).dim() == 2, "gather_rows: x must be 2-D, got ", T(x).dim(), "-D");
    TORCH_CHECK(T(inverse).dim() == 1 && T(inverse).size(0) == T(x).size(0), "gather_rows: the inverse has ",
                T(inverse).numel(), " entries for ", T(x).size(0), " rows");
    *out = rs::wrap(GatherRowsFunction::apply(T(x), T(index), T(inverse)));
  })
}

}  // extern "C"
