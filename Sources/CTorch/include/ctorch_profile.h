// CTorch operator profile: where the time of the ops this thread runs goes, by op name, from
// RecordFunction observers (the events torch.profiler's key_averages reads): ATen ops and the
// autograd nodes of backward ("autograd::engine::evaluate_function: MmBackward0"). Self time
// excludes the recorded ops an op calls, so self times add up to the profiled span's op time.
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// One op name's totals.
typedef struct rs_op_time {
  char* name;  // malloc'ed
  int64_t calls;
  int64_t self_ns;
  int64_t total_ns;
} rs_op_time;

/// Starts profiling on this thread (a thread-local RecordFunction observer). One profile at a time.
/// With `by_shapes` != 0, ops are told apart by their tensor inputs' shapes too ("aten::copy_
/// [2, 64, 128, 128] [2, 64, 128, 128]"), as torch.profiler's group_by_input_shape.
rs_status rs_profile_start(int32_t by_shapes);
/// Stops profiling; returns a malloc'ed array of `*count` entries, largest self time first
/// (free with `rs_profile_free`).
rs_status rs_profile_stop(rs_op_time** ops, int64_t* count);
void rs_profile_free(rs_op_time* ops, int64_t count);

#ifdef __cplusplus
}
#endif
