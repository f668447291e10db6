// Optimiser update rules (AdamW, SGD) and gradient clipping, following torch.optim exactly.
#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_fused_adamw.h>
#include <c10/core/GradMode.h>

#include <cmath>

#include "shim.hpp"

using rs::T;

/// torch.optim.adam._single_tensor_adam with decoupled weight decay (AdamW).
static void adamw_single(at::Tensor& param, at::Tensor grad, at::Tensor& exp_avg,
                         at::Tensor& exp_avg_sq, at::Tensor* max_exp_avg_sq, at::Tensor& step_t,
                         double lr, double beta1, double beta2, double weight_decay, double eps,
                         bool maximize) {
  if (maximize) grad = -grad;
  step_t.add_(1);
  if (weight_decay != 0) param.mul_(1 - lr * weight_decay);
  exp_avg.lerp_(grad, 1 - beta1);
  exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
  const double step = step_t.item<double>();
  const double bias_correction1 = 1 - std::pow(beta1, step);
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, step));
  at::Tensor denom;
  if (max_exp_avg_sq) {
    at::maximum_out(*max_exp_avg_sq, *max_exp_avg_sq, exp_avg_sq);
    denom = (max_exp_avg_sq->sqrt() / bias_correction2_sqrt).add_(eps);
  } else {
    denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps);
  }
  param.addcdiv_(exp_avg, denom, -lr / bias_correction1);
}

extern "C" {

rs_status rs_adamw_step(const rs_tensor* params, const rs_tensor* grads, const rs_tensor* exp_avgs,
                        const rs_tensor* exp_avg_sqs, const rs_tensor* max_exp_avg_sqs,
                        const rs_tensor* steps, int64_t n, double lr, double beta1, double beta2,
                        double weight_decay, double eps, int32_t amsgrad, int32_t maximize,
                        int32_t fused) {
  RS_GUARD({
    c10::AutoGradMode no_grad(false);
    TORCH_CHECK(!amsgrad || max_exp_avg_sqs, "adamw: amsgrad needs max_exp_avg_sqs");
    if (fused) {
      auto p = rs::tensors(params, n), g = rs::tensors(grads, n), m = rs::tensors(exp_avgs, n),
           v = rs::tensors(exp_avg_sqs, n), s = rs::tensors(steps, n);
      auto vmax = amsgrad ? rs::tensors(max_exp_avg_sqs, n) : std::vector<at::Tensor>();
      // As torch.optim's _fused_adamw: the kernel reads the counters, the caller advances them.
      at::_foreach_add_(s, 1);
      at::_fused_adamw_(p, g, m, v, vmax, s, lr, beta1, beta2, weight_decay, eps, amsgrad != 0,
                        maximize != 0);
    } else {
      for (int64_t k = 0; k < n; ++k) {
        adamw_single(T(params[k]), T(grads[k]), T(exp_avgs[k]), T(exp_avg_sqs[k]),
                     amsgrad ? &T(max_exp_avg_sqs[k]) : nullptr, T(steps[k]), lr, beta1, beta2,
                     weight_decay, eps, maximize != 0);
      }
    }
  })
}

rs_status rs_sgd_step(rs_tensor param, rs_tensor grad, rs_tensor buf, rs_tensor* new_buf,
                      double lr, double momentum, double dampening, double weight_decay,
                      int32_t nesterov, int32_t maximize) {
  RS_GUARD({
    c10::AutoGradMode no_grad(false);
    *new_buf = nullptr;
    auto& p = T(param);
    at::Tensor g = maximize ? -T(grad) : T(grad);
    if (weight_decay != 0) g = g.add(p, weight_decay);
    if (momentum != 0) {
      at::Tensor b;
      if (buf) {
        b = T(buf);
        b.mul_(momentum).add_(g, 1 - dampening);
      } else {
        b = g.clone().detach();
        *new_buf = rs::wrap(b);
      }
      g = nesterov ? g.add(b, momentum) : b;
    }
    p.add_(g, -lr);
  })
}

rs_status rs_clip_grad_norm(rs_tensor* out, const rs_tensor* grads, int64_t n, double max_norm,
                            double norm_type) {
  RS_GUARD({
    c10::AutoGradMode no_grad(false);
    auto g = rs::tensors(grads, n);
    if (g.empty()) {
      *out = rs::wrap(at::zeros({}));
      return 0;
    }
    std::vector<at::Tensor> norms;
    norms.reserve(g.size());
    for (const auto& t : g) norms.push_back(at::linalg_vector_norm(t, norm_type).to(g[0].device()));
    auto total = at::linalg_vector_norm(at::stack(norms), norm_type);
    auto coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
    for (auto& t : g) t.mul_(coef.to(t.device()));
    *out = rs::wrap(total);
  })
}

rs_status rs_clip_grad_value(const rs_tensor* grads, int64_t n, double clip) {
  RS_GUARD({
    c10::AutoGradMode no_grad(false);
    for (auto& t : rs::tensors(grads, n)) t.clamp_(-clip, clip);
  })
}

}  // extern "C"
