// CTorch bench: the same op calls looped inside C++, as the baseline for Swift's dispatch cost.
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Calls at::add(a, b) `iters` times in C++; writes the mean nanoseconds per call.
rs_status rs_bench_add_loop(rs_tensor a, rs_tensor b, int64_t iters, double* ns_per_call);
/// Calls at::conv2d(x, w, bias, stride 1, padding 1) `iters` times; mean nanoseconds per call.
rs_status rs_bench_conv2d_loop(rs_tensor x, rs_tensor w, rs_tensor bias, int64_t iters,
                               double* ns_per_call);

#ifdef __cplusplus
}
#endif
