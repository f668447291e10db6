// In-place parameter initialisation, outside autograd (torch.nn.init).
#include <c10/core/GradMode.h>

#include "shim.hpp"

using rs::T;

/// timm's trunc_normal_: inverse-CDF sampling of a normal truncated to [lo, hi].
static void trunc_normal_(at::Tensor& t, double mean, double std, double lo, double hi) {
  auto cdf = [](double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; };
  double l = cdf((lo - mean) / std), u = cdf((hi - mean) / std);
  t.uniform_(2 * l - 1, 2 * u - 1);
  t.erfinv_();
  t.mul_(std * std::sqrt(2.0));
  t.add_(mean);
  t.clamp_(lo, hi);
}

extern "C" {

rs_status rs_init_(rs_tensor t, rs_init_kind kind, double a, double b, double c, double d) {
  RS_GUARD({
    c10::AutoGradMode no_grad(false);
    auto& x = T(t);
    switch (kind) {
      case RS_INIT_UNIFORM: x.uniform_(a, b); break;
      case RS_INIT_NORMAL: x.normal_(a, b); break;
      case RS_INIT_TRUNC_NORMAL: trunc_normal_(x, a, b, c, d); break;
      case RS_INIT_CONSTANT: x.fill_(a); break;
      default: TORCH_CHECK(false, "init: unknown kind ", (int)kind);
    }
  })
}

}  // extern "C"
