// Normalisation layers' functional forms.
#include "shim.hpp"

using rs::T;

extern "C" {

rs_status rs_layer_norm(rs_tensor* out, rs_tensor x, const int64_t* normalized_shape, int64_t n,
                        rs_tensor w, rs_tensor b, double eps) {
  RS_RETURN_TENSOR(at::layer_norm(T(x), rs::ints(normalized_shape, n), rs::opt(w), rs::opt(b), eps));
}

rs_status rs_batch_norm(rs_tensor* out, rs_tensor x, rs_tensor w, rs_tensor b,
                        rs_tensor running_mean, rs_tensor running_var, int32_t training,
                        double momentum, double eps) {
  RS_RETURN_TENSOR(at::batch_norm(T(x), rs::opt(w), rs::opt(b), rs::opt(running_mean),
                                  rs::opt(running_var), training != 0, momentum, eps,
                                  /*cudnn_enabled=*/true));
}

rs_status rs_group_norm(rs_tensor* out, rs_tensor x, int64_t groups, rs_tensor w, rs_tensor b,
                        double eps) {
  RS_RETURN_TENSOR(at::group_norm(T(x), groups, rs::opt(w), rs::opt(b), eps, true));
}

rs_status rs_instance_norm(rs_tensor* out, rs_tensor x, rs_tensor w, rs_tensor b,
                           rs_tensor running_mean, rs_tensor running_var,
                           int32_t use_input_stats, double momentum, double eps) {
  RS_RETURN_TENSOR(at::instance_norm(T(x), rs::opt(w), rs::opt(b), rs::opt(running_mean),
                                     rs::opt(running_var), use_input_stats != 0, momentum, eps,
                                     true));
}

}  // extern "C"
