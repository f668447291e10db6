// AdamW inside backward: each parameter is updated as soon as autograd has accumulated its
// gradient, and the gradient is freed there, so the gradients of the whole model never exist
// at once (PyTorch's register_post_accumulate_grad_hook recipe; torchtune's optimizer_in_bwd).
#include <ATen/ops/_fused_adamw.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <memory>

#include "shim.hpp"

using rs::T;

namespace {

/// One parameter's fused AdamW update (the kernel of rs_adamw_step with `fused`).
class AdamWHook : public torch::autograd::PostAccumulateGradHook {
 public:
  AdamWHook(const rs_adamw_group& group, at::Tensor exp_avg, at::Tensor exp_avg_sq, at::Tensor max_exp_avg_sq,
            at::Tensor step)
      : group_(group), exp_avg_(std::move(exp_avg)), exp_avg_sq_(std::move(exp_avg_sq)),
        max_exp_avg_sq_(std::move(max_exp_avg_sq)), step_(std::move(step)) {}

  void operator()(const torch::autograd::Variable& param) override {
    at::Tensor& grad = param.mutable_grad();
    if (!grad.defined()) return;
    c10::AutoGradMode no_grad(false);
    std::vector<at::Tensor> p{param}, g{grad}, m{exp_avg_}, v{exp_avg_sq_}, s{step_}, vmax;
    if (group_.amsgrad) vmax.push_back(max_exp_avg_sq_);
    step_.add_(1);  // as torch.optim's _fused_adamw: the kernel reads the counter, the caller advances it
    at::_fused_adamw_(p, g, m, v, vmax, s, group_.lr, group_.beta1, group_.beta2, group_.weight_decay,
                      group_.eps, group_.amsgrad != 0, group_.maximize != 0);
    grad.reset();
  }

 private:
  rs_adamw_group group_;
  at::Tensor exp_avg_, exp_avg_sq_, max_exp_avg_sq_, step_;
};

/// The hooks of one backward pass, taken off again however the pass ends.
class Attached {
 public:
  explicit Attached(std::vector<at::Tensor> params) : params_(std::move(params)) {}
  Attached(const Attached&) = delete;
  Attached& operator=(const Attached&) = delete;
  ~Attached() {
    for (auto& p : params_) torch::autograd::impl::set_post_acc_grad_hooks(p, nullptr);
  }

 private:
  std::vector<at::Tensor> params_;
};

}  // namespace

extern "C" {

rs_status rs_adamw_backward(rs_tensor loss, const rs_tensor* params, const rs_tensor* exp_avgs,
                            const rs_tensor* exp_avg_sqs, const rs_tensor* max_exp_avg_sqs,
                            const rs_tensor* steps, const int64_t* group_of, int64_t n,
                            const rs_adamw_group* groups, int64_t n_groups) {
  RS_GUARD({
    auto list = rs::tensors(params, n);
    for (int64_t k = 0; k < n; ++k) {
      TORCH_CHECK(list[k].requires_grad() && list[k].is_leaf(), "adamw backward: parameter ", k,
                  " is not a leaf that requires a gradient");
      TORCH_CHECK(group_of[k] >= 0 && group_of[k] < n_groups, "adamw backward: parameter ", k,
                  " names group ", group_of[k], " of ", n_groups);
      const auto& group = groups[group_of[k]];
      TORCH_CHECK(!group.amsgrad || (max_exp_avg_sqs && max_exp_avg_sqs[k]),
                  "adamw backward: amsgrad needs max_exp_avg_sqs");
      at::Tensor vmax = group.amsgrad ? T(max_exp_avg_sqs[k]) : at::Tensor();
      torch::autograd::impl::set_post_acc_grad_hooks(
          list[k], std::make_unique<AdamWHook>(group, T(exp_avgs[k]), T(exp_avg_sqs[k]), vmax, T(steps[k])));
    }
    Attached attached(list);
    torch::autograd::backward({T(loss)});
  })
}

}  // extern "C"
