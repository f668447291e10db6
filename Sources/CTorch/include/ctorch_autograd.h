// CTorch autograd: gradient requirements, backward, gradients and grad mode.
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

int32_t rs_tensor_requires_grad(rs_tensor t);
rs_status rs_tensor_set_requires_grad(rs_tensor t, int32_t requires_grad);
/// The accumulated gradient, or NULL in *out when there is none.
rs_status rs_tensor_grad(rs_tensor* out, rs_tensor t);
/// Replaces the gradient; `grad` NULL clears it (like `p.grad = None`).
rs_status rs_tensor_set_grad(rs_tensor t, rs_tensor grad);
/// t.backward(gradient, retain_graph, create_graph); `gradient` may be NULL for a scalar t.
rs_status rs_tensor_backward(rs_tensor t, rs_tensor gradient, int32_t retain_graph,
                             int32_t create_graph);
rs_status rs_tensor_detach(rs_tensor* out, rs_tensor t);
int32_t rs_grad_enabled(void);
void rs_set_grad_enabled(int32_t enabled);

/// torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused).
/// `grad_outputs` may be NULL or hold NULL entries (implicit ones for one-element outputs);
/// retain_graph < 0 means "same as create_graph". Writes one handle per input to *out (a
/// malloc'ed array of `n_inputs`), NULL for an input the outputs do not depend on.
rs_status rs_autograd_grad(rs_tensor** out, int64_t* count, const rs_tensor* outputs,
                           const rs_tensor* grad_outputs, int64_t n_outputs, const rs_tensor* inputs,
                           int64_t n_inputs, int32_t retain_graph, int32_t create_graph,
                           int32_t allow_unused);
/// t.retain_grad(): keep .grad for a non-leaf tensor.
rs_status rs_tensor_retain_grad(rs_tensor t);
int32_t rs_tensor_retains_grad(rs_tensor t);
int32_t rs_tensor_is_leaf(rs_tensor t);
/// In place: t.detach_().
rs_status rs_tensor_detach_(rs_tensor t);
/// The name of t's grad_fn (caller frees with rs_free_buffer), or NULL in *out for a leaf.
rs_status rs_tensor_grad_fn_name(char** out, rs_tensor t);

// --- activation checkpointing (torch.utils.checkpoint) -------------------------------------
/// The function of rs_checkpoint: reads `n_inputs` tensors (handles it owns and frees), writes a
/// malloc'ed array of `*n_outputs` handles that the caller then owns; returns 0, or non-zero
/// with a malloc'ed message in *error. `recomputing` is 1 in backward's run, whose outputs serve
/// only as the roots of the recorded graph (their values are never read), 0 otherwise.
typedef int32_t (*rs_checkpoint_body)(void* context, rs_tensor* inputs, int64_t n_inputs, int32_t recomputing,
                                      rs_tensor** outputs, int64_t* n_outputs, char** error);
/// Called once when `context` is no longer needed.
typedef void (*rs_checkpoint_release)(void* context);
/// Runs `fn` on `inputs` without recording its operations, and again with recording in
/// backward, so that only the inputs are kept between forward and backward. Random-number
/// state (CPU and the inputs' devices) and autocast state are those of the first run. Runs `fn`
/// plainly when grad mode is off or no input requires grad. Always releases `context`.
rs_status rs_checkpoint(rs_tensor** out, int64_t* n_out, const rs_tensor* inputs, int64_t n_inputs,
                        rs_checkpoint_body fn, void* context, rs_checkpoint_release release);

// --- inference mode (c10::InferenceMode) ---------------------------------------------------
typedef struct rs_inference_mode_s* rs_inference_mode;
/// Enters inference mode (enabled = 1) or leaves it (0) on this thread until the guard is exited.
rs_status rs_inference_mode_enter(rs_inference_mode* out, int32_t enabled);
/// Restores the state from before the matching enter; guards must exit in reverse order.
void rs_inference_mode_exit(rs_inference_mode guard);
int32_t rs_inference_mode_enabled(void);
int32_t rs_tensor_is_inference(rs_tensor t);

// --- autocast (at::autocast) ---------------------------------------------------------------
/// Autocast state of one device type (0 = CPU, 1 = CUDA) saved by rs_autocast_enter.
typedef struct {
  int32_t device_type;
  int32_t enabled;
  int32_t dtype;
  int32_t cache_enabled;
} rs_autocast_state;
/// Like `torch.autocast(device_type, dtype, enabled).__enter__`: saves the current state in
/// *previous, then sets `enabled` and `dtype` (float16 or bfloat16) for the device type.
rs_status rs_autocast_enter(rs_autocast_state* previous, int32_t device_type, int32_t dtype,
                            int32_t enabled);
/// Like `__exit__`: clears the cast cache when leaving the outermost scope and restores `previous`.
rs_status rs_autocast_exit(const rs_autocast_state* previous);
int32_t rs_autocast_enabled(int32_t device_type);
/// The autocast dtype of a device type.
int32_t rs_autocast_dtype(int32_t device_type);

#ifdef __cplusplus
}
#endif
