// CTorch core: handles, errors, tensor lifecycle, creation, metadata and host data transfer.
//
// Conventions for every CTorch function:
//   - returns rs_status: 0 on success, non-zero on failure (then rs_last_error() has the message);
//   - results are written through out-pointers; a returned rs_tensor is owned by the caller and
//     released with rs_tensor_free;
//   - no C++ exception ever leaves a function.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rs_tensor_s* rs_tensor;
typedef int32_t rs_status;

/// A number passed to libtorch as a Scalar: kind 0 = floating (d), 1 = integer (i), 2 = bool (i).
typedef struct {
  double d;
  int64_t i;
  int32_t kind;
} rs_scalar;

/// Device: type 0 = CPU, 1 = CUDA, 3 = audit (host memory on libtorch's PrivateUse1 key: see
/// ctorch_audit.h); index -1 = current/default. (libtorch's meta device is not offered: outside
/// Python it lacks kernels for convolution, index_select and more.)
typedef struct {
  int32_t type;
  int32_t index;
} rs_device;

/// The message of the last failed call on this thread (borrowed; valid until the next failure).
const char* rs_last_error(void);

// --- lifecycle -----------------------------------------------------------------------------
void rs_tensor_free(rs_tensor t);
/// A new handle to the same tensor (shares storage and autograd identity).
rs_status rs_tensor_alias(rs_tensor* out, rs_tensor t);
void rs_free_buffer(void* p);
void rs_tensor_array_free(rs_tensor* list, int64_t n);

// --- metadata ------------------------------------------------------------------------------
int64_t rs_tensor_dim(rs_tensor t);
void rs_tensor_sizes(rs_tensor t, int64_t* out);
void rs_tensor_strides(rs_tensor t, int64_t* out);
int64_t rs_tensor_numel(rs_tensor t);
int64_t rs_tensor_storage_offset(rs_tensor t);
int32_t rs_tensor_dtype(rs_tensor t);
rs_device rs_tensor_device(rs_tensor t);
int32_t rs_tensor_is_contiguous(rs_tensor t);
int32_t rs_tensor_defined(rs_tensor t);
int64_t rs_dtype_element_size(int32_t dtype);
/// PyTorch's printed form of the tensor (caller frees with rs_free_buffer).
rs_status rs_tensor_description(char** out, rs_tensor t);

// --- creation ------------------------------------------------------------------------------
/// Copies `data` (contiguous, row-major, elements of `dtype`) into a new CPU tensor.
rs_status rs_tensor_from_data(rs_tensor* out, const void* data, const int64_t* shape, int64_t ndim,
                              int32_t dtype);
/// Wraps caller memory without copying; `deleter(context)` runs when libtorch releases it.
rs_status rs_tensor_from_blob(rs_tensor* out, void* data, const int64_t* shape, int64_t ndim,
                              const int64_t* strides, int32_t dtype, void (*deleter)(void*),
                              void* context);
rs_status rs_tensor_empty(rs_tensor* out, const int64_t* shape, int64_t ndim, int32_t dtype,
                          rs_device device);
rs_status rs_tensor_full(rs_tensor* out, const int64_t* shape, int64_t ndim, rs_scalar value,
                         int32_t dtype, rs_device device);
rs_status rs_tensor_arange(rs_tensor* out, rs_scalar start, rs_scalar end, rs_scalar step,
                           int32_t dtype, rs_device device);
rs_status rs_tensor_linspace(rs_tensor* out, double start, double end, int64_t steps,
                             int32_t dtype, rs_device device);
/// kind 0 = uniform [low, high), 1 = normal(mean = low, std = high).
rs_status rs_tensor_random(rs_tensor* out, const int64_t* shape, int64_t ndim, int32_t kind,
                           double low, double high, int32_t dtype, rs_device device);
rs_status rs_tensor_randint(rs_tensor* out, int64_t low, int64_t high, const int64_t* shape,
                            int64_t ndim, int32_t dtype, rs_device device);
rs_status rs_tensor_randperm(rs_tensor* out, int64_t n, int32_t dtype, rs_device device);

// --- data transfer -------------------------------------------------------------------------
/// Copies the tensor's elements (any layout, any device) in row-major order into `dst`,
/// which holds `nbytes` = numel * element size bytes.
rs_status rs_tensor_copy_to_host(rs_tensor t, void* dst, int64_t nbytes);
rs_status rs_tensor_item(rs_tensor t, rs_scalar* out);
/// Pointer to the first element of a CPU tensor (no copy; valid while the tensor lives).
rs_status rs_tensor_data_ptr(rs_tensor t, void** out);
/// dtype < 0 keeps the dtype; device.type < 0 keeps the device.
rs_status rs_tensor_to(rs_tensor* out, rs_tensor t, int32_t dtype, rs_device device,
                       int32_t non_blocking, int32_t copy);
rs_status rs_tensor_contiguous(rs_tensor* out, rs_tensor t, int32_t channels_last);
rs_status rs_tensor_clone(rs_tensor* out, rs_tensor t);
/// dst.copy_(src) (broadcasting, dtype/device conversion).
rs_status rs_tensor_copy_(rs_tensor dst, rs_tensor src);
/// dst.set_data(src): dst takes src's storage, dtype and device, keeping its autograd identity.
/// Where the two cannot share a TensorImpl (CPU and audit), the handle dst takes a new leaf
/// tensor (src detached, dst's requires_grad); other handles to the old tensor keep it.
rs_status rs_tensor_set_data(rs_tensor dst, rs_tensor src);

// --- runtime -------------------------------------------------------------------------------
const char* rs_torch_version(void);
int32_t rs_get_num_threads(void);
void rs_set_num_threads(int32_t n);
void rs_manual_seed(uint64_t seed);
int32_t rs_cuda_is_available(void);
int32_t rs_cuda_device_count(void);
/// Whether this CPU runs bfloat16 matrix work natively (AVX512-BF16 or AMX).
int32_t rs_cpu_has_bf16(void);
/// Whether float32 linear layers and batched products on the CPU run on oneDNN (products.cpp):
/// libtorch 2.13 refuses float32 there without AVX-512 or avx_ne_convert, and then they are
/// libtorch's (MKL's sgemm).
int32_t rs_cpu_products_on_onednn(void);
/// The file libtorch_cpu was loaded from (borrowed; empty if unknown).
const char* rs_library_path(void);
/// Capability flags of this CPU as libtorch sees them (caller frees with rs_free_buffer).
rs_status rs_cpu_capability(char** out);
/// From now on CPU tensors of 1 MB or more come from segments that stay mapped when freed (a
/// request takes the smallest free block that fits, split if need be; freed blocks merge), and
/// free memory is kept up to max(limit_bytes, peak live − live) bytes (0 keeps nothing), where
/// live is the large blocks in use and peak live its high-water mark since this call; beyond
/// that, free blocks in segments still partly in use hand their pages back (madvise) and stay
/// mapped. Calling it again changes the limit and hands back what no longer fits.
rs_status rs_cpu_cache_enable(int64_t limit_bytes);
/// Free bytes the CPU cache holds resident, bytes of large blocks in use, and their high-water mark.
typedef struct {
  int64_t cached_bytes;
  int64_t live_bytes;
  int64_t peak_live_bytes;
} rs_cpu_cache_stats;
rs_cpu_cache_stats rs_cpu_cache_statistics(void);
/// Until the matching exit, on this thread: while gradients are off, the bf16/fp16 casts that
/// autocast makes of float32 weights (leaves requiring grad) in linear layers and convolutions
/// are made once and reused as long as the weight is not modified in place.
/// Leaving the outermost scope frees them. For inference over many inputs with the same weights.
void rs_cast_cache_enter(void);
void rs_cast_cache_exit(void);
/// Casts the cache holds on this thread.
int64_t rs_cast_cache_count(void);

#ifdef __cplusplus
}
#endif
