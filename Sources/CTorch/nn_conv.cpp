// Linear and convolution.
#include <ATen/autocast_mode.h>

#include "shim.hpp"

using rs::T;

extern "C" {

rs_status rs_linear(rs_tensor* out, rs_tensor x, rs_tensor w, rs_tensor b) {
  RS_RETURN_TENSOR(rs::linear(T(x), T(w), rs::opt(b)));
}

rs_status rs_linear_backward_only(rs_tensor* out, rs_tensor x, rs_tensor w, rs_tensor b) {
  RS_RETURN_TENSOR(rs::linear_backward_only(T(x), T(w), rs::opt(b)));
}

rs_status rs_conv(rs_tensor* out, rs_tensor x, rs_tensor w, rs_tensor b, int64_t nspatial,
                  const int64_t* stride, const int64_t* padding, const int64_t* dilation,
                  int64_t groups, rs_conv_padding padding_mode) {
  RS_GUARD({
    TORCH_CHECK(nspatial == 1 || nspatial == 2, "conv: 1 or 2 spatial dimensions, got ", nspatial);
    auto s = rs::ints(stride, nspatial);
    auto d = rs::ints(dilation, nspatial);
    at::Tensor y;
    const std::vector<int64_t> same{1, 1};  // "same" for the 3×3 kernels Winograd's form takes
    if (nspatial == 2 && padding_mode != RS_CONV_PAD_VALID &&
        rs::winograd_applies(T(x), T(w), rs::opt(b), s,
                             padding_mode == RS_CONV_PAD_EXPLICIT ? rs::ints(padding, 2) : same, d, groups)) {
      y = rs::winograd_conv3x3(T(x), T(w), rs::opt(b));
    } else {
      // Under autocast in an inference scope, with the weight's cast made once (cast_cache.cpp).
      auto operands = rs::cached_autocast_operands(T(x), T(w), rs::opt(b));
      std::optional<c10::impl::ExcludeDispatchKeyGuard> no_autocast;
      if (operands) no_autocast.emplace(c10::autocast_dispatch_keyset);
      const auto& input = operands ? operands->x : T(x);
      const auto& weight = operands ? operands->w : T(w);
      const auto bias = operands ? operands->b : rs::opt(b);
      if (padding_mode == RS_CONV_PAD_EXPLICIT) {
        auto p = rs::ints(padding, nspatial);
        y = nspatial == 1 ? at::conv1d(input, weight, bias, s, p, d, groups)
                          : at::conv2d(input, weight, bias, s, p, d, groups);
      } else {
        c10::string_view mode = padding_mode == RS_CONV_PAD_SAME ? "same" : "valid";
        y = nspatial == 1 ? at::conv1d(input, weight, bias, s, mode, d, groups)
                          : at::conv2d(input, weight, bias, s, mode, d, groups);
      }
    }
    *out = rs::wrap(std::move(y));
  })
}

}  // extern "C"
