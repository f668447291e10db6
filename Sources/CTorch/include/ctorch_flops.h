// CTorch FLOP counting: the floating-point operations of the matrix products, convolutions and
// attention that this thread runs between start and stop, from the shapes the dispatcher sees
// (aten::conv2d, mm, addmm, bmm, baddbmm, scaled_dot_product_attention; 2 FLOPs per
// multiply-add, as torch.utils.flop_counter counts them). Element-wise work is not counted.
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Starts counting on this thread (a thread-local RecordFunction observer). One count at a time.
rs_status rs_flops_start(void);
/// Stops counting; writes the FLOPs of the counted ops since `rs_flops_start`.
rs_status rs_flops_stop(int64_t* flops);

#ifdef __cplusplus
}
#endif
