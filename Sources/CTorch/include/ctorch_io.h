// CTorch io: tensors over memory that a file reader owns (memory-mapped checkpoints).
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A 1-D CPU tensor of `numel` elements of `dtype` over `data`, without copying.
/// `release(context)` runs exactly once: when libtorch frees the storage, or before this call
/// returns an error, so the caller hands over its reference to `context` in every case.
rs_status rs_tensor_from_external(rs_tensor* out, void* data, int64_t numel, int32_t dtype,
                                  void (*release)(void*), void* context);

#ifdef __cplusplus
}
#endif
