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

#ifdef __cplusplus
}
#endif
