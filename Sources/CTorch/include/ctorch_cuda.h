// CTorch CUDA runtime: device properties, the CUDA caching allocator's statistics, device
// synchronisation, cuDNN settings and pinned host memory.
//
// The device and allocator functions exist only in builds against a CUDA libtorch with the CUDA
// runtime headers (RS_WITH_CUDA, set by Package.swift); in other builds they fail with the message
// "this rsseg was built against a CPU libtorch; build with LIBTORCH=... for CUDA".
// Device indices count from 0; -1 means the current CUDA device.
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this build has the CUDA runtime functions (RS_WITH_CUDA).
int32_t rs_cuda_built(void);

/// One CUDA device as cudaGetDeviceProperties describes it.
typedef struct {
  /// NUL-terminated (cut to fit).
  char name[256];
  int64_t total_memory_bytes;
  int32_t major;
  int32_t minor;
  int32_t multiprocessors;
  /// Native bfloat16 arithmetic: compute capability 8.0 (Ampere) or newer.
  int32_t native_bf16;
} rs_cuda_device_info;

rs_status rs_cuda_device_properties(int32_t index, rs_cuda_device_info* out);

/// The CUDA caching allocator's bytes on one device (all pools): handed out to tensors and
/// reserved from the driver (in use or cached), each now and at its peak.
typedef struct {
  int64_t allocated_bytes;
  int64_t peak_allocated_bytes;
  int64_t reserved_bytes;
  int64_t peak_reserved_bytes;
} rs_cuda_memory;

rs_status rs_cuda_memory_stats(int32_t index, rs_cuda_memory* out);
/// Starts the peaks of rs_cuda_memory_stats over from the current values.
rs_status rs_cuda_reset_peak_memory(int32_t index);
/// Hands the allocator's cached, unused blocks back to the driver (torch.cuda.empty_cache).
rs_status rs_cuda_empty_cache(void);
/// Waits until all work queued on the device has finished.
rs_status rs_cuda_synchronize(int32_t index);

/// cuDNN algorithm choice (torch.backends.cudnn.deterministic / .benchmark). These settings exist
/// in every build and only matter where cuDNN runs.
rs_status rs_cudnn_configure(int32_t deterministic, int32_t benchmark);
/// torch.use_deterministic_algorithms(enabled, warn_only=warn_only).
rs_status rs_use_deterministic_algorithms(int32_t enabled, int32_t warn_only);

/// A copy of the CPU tensor `t` in page-locked host memory (t.pin_memory()), so copies to a CUDA
/// device can run asynchronously. Fails where libtorch has no CUDA.
rs_status rs_tensor_pin_memory(rs_tensor* out, rs_tensor t);
/// Whether `t` lives in pinned host memory (0 where that cannot be known, as in CPU builds).
int32_t rs_tensor_is_pinned(rs_tensor t);

#ifdef __cplusplus
}
#endif
