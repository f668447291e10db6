// CUDA runtime queries: device properties, caching-allocator statistics, synchronisation, cuDNN
// settings and pinned memory. The device and allocator parts need a CUDA libtorch and the CUDA
// runtime headers (RS_WITH_CUDA); without them they fail with one fixed message.
#include <ATen/Context.h>

#include <algorithm>
#include <cstring>

#ifdef RS_WITH_CUDA
#include <c10/core/DeviceGuard.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <cuda_runtime_api.h>

// Declared in ATen/cuda/CUDAContextLight.h and defined in libtorch_cuda (2.11 to 2.13 alike).
// That header also includes the cuBLAS, cuSPARSE and cuSOLVER headers, which the CUDA runtime
// queries do not otherwise need, so only this declaration is repeated here.
//
// Nothing here may instantiate c10's inline CUDA code (c10::cuda::CUDAGuard's CUDAGuardImpl calls
// cudaEvent* directly): rsseg would then need libcudart itself, which the loader looks for only
// on rsseg's own search paths (rpath, LD_LIBRARY_PATH, the system), not beside libtorch_cuda.
// c10::DeviceGuard reaches the same guard through libc10_cuda.
namespace at::cuda {
cudaDeviceProp* getDeviceProperties(c10::DeviceIndex device);
}
#endif

#include "shim.hpp"

#ifndef RS_WITH_CUDA
static constexpr const char* kNoCUDA =
    "this rsseg was built against a CPU libtorch; build with LIBTORCH=... for CUDA";
#define RS_CUDA_ONLY(...)          \
  rs::set_last_error(kNoCUDA);     \
  return 1;
#else
#define RS_CUDA_ONLY(...) RS_GUARD(__VA_ARGS__)

namespace {

/// A device index checked against the devices present (-1 = the current device), with libtorch's
/// CUDA state (and so the caching allocator) initialised as the first CUDA tensor would.
c10::DeviceIndex cuda_device(int32_t index) {
  const int count = c10::cuda::device_count();
  TORCH_CHECK(count > 0, "no CUDA device is available");
  TORCH_CHECK(index >= -1 && index < count, "CUDA device ", index, " does not exist (", count,
              count == 1 ? " device)" : " devices)");
  at::globalContext().lazyInitDevice(at::kCUDA);
  return index < 0 ? c10::cuda::current_device() : static_cast<c10::DeviceIndex>(index);
}

}  // namespace
#endif

extern "C" {

int32_t rs_cuda_built(void) {
#ifdef RS_WITH_CUDA
  return 1;
#else
  return 0;
#endif
}

rs_status rs_cuda_device_properties(int32_t index, rs_cuda_device_info* out) {
  RS_CUDA_ONLY({
    const cudaDeviceProp* p = at::cuda::getDeviceProperties(cuda_device(index));
    TORCH_CHECK(p != nullptr, "no properties for CUDA device ", index);
    rs_cuda_device_info info{};
    const size_t n = strnlen(p->name, sizeof(p->name));
    std::memcpy(info.name, p->name, std::min(n, sizeof(info.name) - 1));
    info.total_memory_bytes = static_cast<int64_t>(p->totalGlobalMem);
    info.major = p->major;
    info.minor = p->minor;
    info.multiprocessors = p->multiProcessorCount;
    info.native_bf16 = p->major >= 8 ? 1 : 0;
    *out = info;
  })
}

rs_status rs_cuda_memory_stats(int32_t index, rs_cuda_memory* out) {
  RS_CUDA_ONLY({
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(cuda_device(index));
    constexpr auto all = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
    *out = rs_cuda_memory{stats.allocated_bytes[all].current, stats.allocated_bytes[all].peak,
                          stats.reserved_bytes[all].current, stats.reserved_bytes[all].peak};
  })
}

rs_status rs_cuda_reset_peak_memory(int32_t index) {
  RS_CUDA_ONLY(c10::cuda::CUDACachingAllocator::resetPeakStats(cuda_device(index)))
}

rs_status rs_cuda_empty_cache(void) {
  RS_CUDA_ONLY({
    // Before CUDA's first use the allocator has no devices and this gives back nothing.
    if (c10::cuda::device_count() > 0) c10::cuda::CUDACachingAllocator::emptyCache();
  })
}

rs_status rs_cuda_synchronize(int32_t index) {
  RS_CUDA_ONLY({
    c10::DeviceGuard guard(c10::Device(c10::kCUDA, cuda_device(index)));
    c10::cuda::device_synchronize();
  })
}

rs_status rs_cudnn_configure(int32_t deterministic, int32_t benchmark) {
  RS_GUARD({
    at::globalContext().setDeterministicCuDNN(deterministic != 0);
    at::globalContext().setBenchmarkCuDNN(benchmark != 0);
  })
}

rs_status rs_use_deterministic_algorithms(int32_t enabled, int32_t warn_only) {
  RS_GUARD(at::globalContext().setDeterministicAlgorithms(enabled != 0, warn_only != 0))
}

rs_status rs_tensor_pin_memory(rs_tensor* out, rs_tensor t) {
  RS_RETURN_TENSOR(rs::T(t).pin_memory())
}

int32_t rs_tensor_is_pinned(rs_tensor t) {
  try {
    return rs::T(t).is_pinned() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

}  // extern "C"
