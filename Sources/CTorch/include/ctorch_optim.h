// CTorch optim: optimiser update rules and gradient clipping, run without autograd recording.
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// One torch.optim.AdamW step over `n` parameters with their gradients and state (first and
/// second moments, 0-dim float32 step counters; `max_exp_avg_sqs` only with amsgrad, else
/// NULL). With `fused` set, libtorch's fused kernel runs (all tensors on one device, step
/// counters on that device); otherwise the single-tensor algorithm (step counters on the CPU).
rs_status rs_adamw_step(const rs_tensor* params, const rs_tensor* grads, const rs_tensor* exp_avgs,
                        const rs_tensor* exp_avg_sqs, const rs_tensor* max_exp_avg_sqs,
                        const rs_tensor* steps, int64_t n, double lr, double beta1, double beta2,
                        double weight_decay, double eps, int32_t amsgrad, int32_t maximize,
                        int32_t fused);

/// One AdamW parameter group's hyper-parameters.
typedef struct {
  double lr, beta1, beta2, weight_decay, eps;
  int32_t amsgrad, maximize;
} rs_adamw_group;

/// `loss.backward()` with rs_adamw_step's fused update run for each parameter as soon as its
/// gradient is accumulated, which then frees that gradient. Parameter k belongs to group
/// `group_of[k]` of `groups`; state as rs_adamw_step's fused form (step counters on the
/// parameter's device). Parameters that receive no gradient are left as they are.
rs_status rs_adamw_backward(rs_tensor loss, const rs_tensor* params, const rs_tensor* exp_avgs,
                            const rs_tensor* exp_avg_sqs, const rs_tensor* max_exp_avg_sqs,
                            const rs_tensor* steps, const int64_t* group_of, int64_t n,
                            const rs_adamw_group* groups, int64_t n_groups);

/// One torch.optim.SGD step for one parameter. `buf` is its momentum buffer or NULL before the
/// first step; when momentum is used and `buf` is NULL, the new buffer is written to *new_buf
/// (otherwise *new_buf is NULL).
rs_status rs_sgd_step(rs_tensor param, rs_tensor grad, rs_tensor buf, rs_tensor* new_buf,
                      double lr, double momentum, double dampening, double weight_decay,
                      int32_t nesterov, int32_t maximize);

/// torch.nn.utils.clip_grad_norm_: scales the gradients in place so that their total
/// `norm_type` norm is at most `max_norm`; *out receives the total norm before clipping.
rs_status rs_clip_grad_norm(rs_tensor* out, const rs_tensor* grads, int64_t n, double max_norm,
                            double norm_type);
/// torch.nn.utils.clip_grad_value_: clamps every gradient element to [-clip, clip].
rs_status rs_clip_grad_value(const rs_tensor* grads, int64_t n, double clip);

#ifdef __cplusplus
}
#endif
