// Softmax, dropout and stochastic depth.
#include "shim.hpp"

using rs::T;

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
    TORCH_CHECK(p >= 0 && p <= 1, "drop path probability has to be between 0 and 1, but got ", p);
    const auto& input = T(x);
    if (!training || p == 0.0) {
      *out = rs::wrap(input);
      return 0;
    }
    // One Bernoulli draw per sample, broadcast over the other dimensions.
    std::vector<int64_t> shape(input.dim(), 1);
    TORCH_CHECK(!shape.empty(), "drop path needs a batch dimension");
    shape[0] = input.size(0);
    double survival = 1.0 - p;
    auto noise = at::empty(shape, input.options()).bernoulli_(survival);
    if (survival > 0.0) noise.div_(survival);
    *out = rs::wrap(input * noise);
  })
}

}  // extern "C"
