// Softmax, dropout and stochastic depth.
#include "shim.hpp"

using rs::T;

at::Tensor rs::drop_path_scale(const at::Tensor& x, double p, bool training) {
  TORCH_CHECK(p >= 0 && p <= 1, "drop path probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0.0) return {};
  // One Bernoulli draw per sample, broadcast over the other dimensions.
  TORCH_CHECK(x.dim() > 0, "drop path needs a batch dimension");
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  const double survival = 1.0 - p;
  auto noise = at::empty(shape, x.options()).bernoulli_(survival);
  if (survival > 0.0) noise.div_(survival);
  return noise;
}

extern "C" {

rs_status rs_softmax(rs_tensor* out, rs_tensor x, int64_t dim, int32_t dtype, int32_t log) {
  RS_GUARD({
    auto dt = dtype < 0 ? std::optional<at::ScalarType>() : rs::dtype(dtype);
    *out = rs::wrap(log ? at::log_softmax(T(x), dim, dt) : at::softmax(T(x), dim, dt));
  })
}

rs_status rs_dropout(rs_tensor* out, rs_tensor x, double p, int32_t training) {
  RS_GUARD({
    TORCH_CHECK(p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got ", p);
    *out = rs::wrap(at::dropout(T(x), p, training != 0));
  })
}

rs_status rs_drop_path(rs_tensor* out, rs_tensor x, double p, int32_t training) {
  RS_GUARD({
    const auto& input = T(x);
    auto scale = rs::drop_path_scale(input, p, training != 0);
    *out = rs::wrap(scale.defined() ? input * scale : input);
  })
}

}  // extern "C"
