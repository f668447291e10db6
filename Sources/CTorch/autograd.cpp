// Autograd entry points, inference mode and autocast.
#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>  // Node, for grad_fn()->name() (not included by 2.11)

#include <cstdlib>
#include <cstring>

#include "shim.hpp"

using rs::T;

static at::DeviceType autocast_device(int32_t device_type) {
  switch (device_type) {
    case 0: return at::kCPU;
    case 1: return at::kCUDA;
    default: TORCH_CHECK(false, "autocast: unknown device type ", device_type);
  }
}

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


rs_status rs_autograd_grad(rs_tensor** out, int64_t* count, const rs_tensor* outputs,
                           const rs_tensor* grad_outputs, int64_t n_outputs, const rs_tensor* inputs,
                           int64_t n_inputs, int32_t retain_graph, int32_t create_graph,
                           int32_t allow_unused) {
  RS_GUARD({
    std::vector<at::Tensor> grads;
    if (grad_outputs)
      for (int64_t k = 0; k < n_outputs; ++k)
        grads.push_back(grad_outputs[k] ? T(grad_outputs[k]) : at::Tensor());
    auto retain = retain_graph < 0 ? std::nullopt : std::optional<bool>(retain_graph != 0);
    auto result = torch::autograd::grad(rs::tensors(outputs, n_outputs), rs::tensors(inputs, n_inputs),
                                        grads, retain, create_graph != 0, allow_unused != 0);
    *count = (int64_t)result.size();
    *out = static_cast<rs_tensor*>(std::malloc(sizeof(rs_tensor) * (result.empty() ? 1 : result.size())));
    for (size_t k = 0; k < result.size(); ++k)
      (*out)[k] = result[k].defined() ? rs::wrap(std::move(result[k])) : nullptr;
  })
}

rs_status rs_tensor_retain_grad(rs_tensor t) { RS_GUARD(T(t).retain_grad()) }
int32_t rs_tensor_retains_grad(rs_tensor t) { return T(t).retains_grad(); }
int32_t rs_tensor_is_leaf(rs_tensor t) { return T(t).is_leaf(); }
rs_status rs_tensor_detach_(rs_tensor t) { RS_GUARD(T(t).detach_()) }

rs_status rs_tensor_grad_fn_name(char** out, rs_tensor t) {
  RS_GUARD({
    const auto& fn = T(t).grad_fn();
    *out = fn ? strdup(fn->name().c_str()) : nullptr;
  })
}

rs_status rs_inference_mode_enter(rs_inference_mode* out, int32_t enabled) {
  RS_GUARD(*out = reinterpret_cast<rs_inference_mode>(new c10::InferenceMode(enabled != 0)))
}
void rs_inference_mode_exit(rs_inference_mode guard) {
  delete reinterpret_cast<c10::InferenceMode*>(guard);
}
int32_t rs_inference_mode_enabled(void) { return c10::InferenceMode::is_enabled(); }
int32_t rs_tensor_is_inference(rs_tensor t) { return T(t).is_inference(); }

rs_status rs_autocast_enter(rs_autocast_state* previous, int32_t device_type, int32_t dtype,
                            int32_t enabled) {
  RS_GUARD({
    auto device = autocast_device(device_type);
    auto type = rs::dtype(dtype);
    TORCH_CHECK(type == at::kHalf || type == at::kBFloat16,
                "autocast: dtype must be float16 or bfloat16, not ", type);
    *previous = {device_type, at::autocast::is_autocast_enabled(device),
                 (int32_t)at::autocast::get_autocast_dtype(device),
                 at::autocast::is_autocast_cache_enabled()};
    at::autocast::set_autocast_enabled(device, enabled != 0);
    at::autocast::set_autocast_dtype(device, type);
    at::autocast::set_autocast_cache_enabled(true);
    at::autocast::increment_nesting();
  })
}

rs_status rs_autocast_exit(const rs_autocast_state* previous) {
  RS_GUARD({
    auto device = autocast_device(previous->device_type);
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(device, previous->enabled != 0);
    at::autocast::set_autocast_dtype(device, rs::dtype(previous->dtype));
    at::autocast::set_autocast_cache_enabled(previous->cache_enabled != 0);
  })
}

int32_t rs_autocast_enabled(int32_t device_type) {
  return device_type == 1 ? at::autocast::is_autocast_enabled(at::kCUDA)
                          : at::autocast::is_autocast_enabled(at::kCPU);
}
int32_t rs_autocast_dtype(int32_t device_type) {
  return (int32_t)at::autocast::get_autocast_dtype(device_type == 1 ? at::kCUDA : at::kCPU);
}

}  // extern "C"
