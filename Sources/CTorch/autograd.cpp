// Autograd entry points.
#include <c10/core/GradMode.h>

#include "shim.hpp"

using rs::T;

extern "C" {

int32_t rs_tensor_requires_grad(rs_tensor t) { return T(t).requires_grad(); }
rs_status rs_tensor_set_requires_grad(rs_tensor t, int32_t requires_grad) {
  RS_GUARD(T(t).requires_grad_(requires_grad != 0))
}
rs_status rs_tensor_grad(rs_tensor* out, rs_tensor t) {
  RS_GUARD({
    const auto& g = T(t).grad();
    *out = g.defined() ? rs::wrap(g) : nullptr;
  })
}
rs_status rs_tensor_set_grad(rs_tensor t, rs_tensor grad) {
  RS_GUARD(T(t).mutable_grad() = grad ? T(grad) : at::Tensor())
}
rs_status rs_tensor_backward(rs_tensor t, rs_tensor gradient, int32_t retain_graph,
                             int32_t create_graph) {
  RS_GUARD(T(t).backward(gradient ? T(gradient) : at::Tensor(),
                         retain_graph ? std::optional<bool>(true) : std::nullopt,
                         create_graph != 0))
}
rs_status rs_tensor_detach(rs_tensor* out, rs_tensor t) { RS_RETURN_TENSOR(T(t).detach()); }
int32_t rs_grad_enabled(void) { return c10::GradMode::is_enabled(); }
void rs_set_grad_enabled(int32_t enabled) { c10::GradMode::set_enabled(enabled != 0); }

}  // extern "C"
