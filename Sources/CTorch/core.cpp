// Tensor lifecycle, creation, metadata, host transfer and runtime queries.
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/headeronly/version.h>

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "shim.hpp"

// 2.13 is what scripts/bootstrap installs (CPU); 2.11 is the CUDA 13 PyTorch that
// scripts/check-cuda-build builds against (2.12 is accepted but was not built here).
static_assert(TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 11 && TORCH_VERSION_MINOR <= 13,
              "rsseg is built against libtorch 2.11 to 2.13: LIBTORCH points to another version");

namespace rs {

static thread_local std::string last_error;

void set_last_error(std::string message) { last_error = std::move(message); }

at::Scalar scalar(rs_scalar s) {
  switch (s.kind) {
    case 1: return at::Scalar(s.i);
    case 2: return at::Scalar(s.i != 0);
    default: return at::Scalar(s.d);
  }
}

rs_scalar from_scalar(const at::Scalar& s) {
  if (s.isBoolean()) return {0, s.toBool() ? 1 : 0, 2};
  if (s.isIntegral(false)) return {0, s.toLong(), 1};
  return {s.toDouble(), 0, 0};
}

at::ScalarType dtype(int32_t code) {
  TORCH_CHECK(code >= 0 && code < (int32_t)at::ScalarType::NumOptions, "unknown dtype code ", code);
  return static_cast<at::ScalarType>(code);
}

at::Device device(rs_device d) {
  switch (d.type) {
    case 0: return at::Device(at::kCPU);
    case 1: return at::Device(at::kCUDA, (c10::DeviceIndex)d.index);
    case 3: {
      TORCH_CHECK(rs_audit_device_enable() == 0, rs_last_error());
      return at::Device(at::kPrivateUse1, 0);
    }
    default: TORCH_CHECK(false, "unknown device type ", d.type);
  }
}

at::TensorOptions options(int32_t code, rs_device d) {
  return at::TensorOptions().dtype(dtype(code)).device(device(d));
}

void wrap_list(std::vector<at::Tensor> list, rs_tensor** out, int64_t* n) {
  *n = (int64_t)list.size();
  *out = static_cast<rs_tensor*>(std::malloc(sizeof(rs_tensor) * (list.empty() ? 1 : list.size())));
  for (size_t k = 0; k < list.size(); ++k) (*out)[k] = wrap(std::move(list[k]));
}

}  // namespace rs

using rs::T;

extern "C" {

const char* rs_last_error(void) { return rs::last_error.c_str(); }

void rs_tensor_free(rs_tensor t) { delete reinterpret_cast<at::Tensor*>(t); }
rs_status rs_tensor_alias(rs_tensor* out, rs_tensor t) { RS_RETURN_TENSOR(T(t)); }
void rs_free_buffer(void* p) { std::free(p); }
void rs_tensor_array_free(rs_tensor* list, int64_t n) {
  for (int64_t k = 0; k < n; ++k) rs_tensor_free(list[k]);
  std::free(list);
}

int64_t rs_tensor_dim(rs_tensor t) { return T(t).dim(); }
void rs_tensor_sizes(rs_tensor t, int64_t* out) {
  auto s = T(t).sizes();
  std::copy(s.begin(), s.end(), out);
}
void rs_tensor_strides(rs_tensor t, int64_t* out) {
  auto s = T(t).strides();
  std::copy(s.begin(), s.end(), out);
}
int64_t rs_tensor_numel(rs_tensor t) { return T(t).numel(); }
int64_t rs_tensor_storage_offset(rs_tensor t) { return T(t).storage_offset(); }
int32_t rs_tensor_dtype(rs_tensor t) { return (int32_t)T(t).scalar_type(); }
rs_device rs_tensor_device(rs_tensor t) {
  auto d = T(t).device();
  return {d.is_cuda() ? 1 : d.is_privateuseone() ? 3 : 0, (int32_t)d.index()};
}
int32_t rs_tensor_is_contiguous(rs_tensor t) { return T(t).is_contiguous(); }
int32_t rs_tensor_defined(rs_tensor t) { return T(t).defined(); }
int64_t rs_dtype_element_size(int32_t dtype) {
  return (int64_t)c10::elementSize(static_cast<at::ScalarType>(dtype));
}

rs_status rs_tensor_description(char** out, rs_tensor t) {
  RS_GUARD({
    std::ostringstream s;
    s << T(t);
    *out = strdup(s.str().c_str());
  })
}

rs_status rs_tensor_from_data(rs_tensor* out, const void* data, const int64_t* shape, int64_t ndim,
                              int32_t dtype) {
  RS_GUARD({
    auto t = at::empty(rs::ints(shape, ndim), at::TensorOptions().dtype(rs::dtype(dtype)));
    if (t.nbytes() > 0) std::memcpy(t.data_ptr(), data, t.nbytes());
    *out = rs::wrap(std::move(t));
  })
}

rs_status rs_tensor_from_blob(rs_tensor* out, void* data, const int64_t* shape, int64_t ndim,
                              const int64_t* strides, int32_t dtype, void (*deleter)(void*),
                              void* context) {
  RS_GUARD({
    auto opts = at::TensorOptions().dtype(rs::dtype(dtype));
    auto release = [deleter, context](void*) {
      if (deleter) deleter(context);
    };
    *out = rs::wrap(strides ? at::from_blob(data, rs::ints(shape, ndim), rs::ints(strides, ndim),
                                            release, opts)
                            : at::from_blob(data, rs::ints(shape, ndim), release, opts));
  })
}

rs_status rs_tensor_empty(rs_tensor* out, const int64_t* shape, int64_t ndim, int32_t dtype,
                          rs_device device) {
  RS_RETURN_TENSOR(at::empty(rs::ints(shape, ndim), rs::options(dtype, device)));
}

rs_status rs_tensor_full(rs_tensor* out, const int64_t* shape, int64_t ndim, rs_scalar value,
                         int32_t dtype, rs_device device) {
  RS_RETURN_TENSOR(at::full(rs::ints(shape, ndim), rs::scalar(value), rs::options(dtype, device)));
}

rs_status rs_tensor_arange(rs_tensor* out, rs_scalar start, rs_scalar end, rs_scalar step,
                           int32_t dtype, rs_device device) {
  RS_RETURN_TENSOR(at::arange(rs::scalar(start), rs::scalar(end), rs::scalar(step),
                              rs::options(dtype, device)));
}

rs_status rs_tensor_linspace(rs_tensor* out, double start, double end, int64_t steps,
                             int32_t dtype, rs_device device) {
  RS_RETURN_TENSOR(at::linspace(start, end, steps, rs::options(dtype, device)));
}

rs_status rs_tensor_random(rs_tensor* out, const int64_t* shape, int64_t ndim, int32_t kind,
                           double low, double high, int32_t dtype, rs_device device) {
  RS_GUARD({
    auto t = at::empty(rs::ints(shape, ndim), rs::options(dtype, device));
    if (kind == 0) t.uniform_(low, high); else t.normal_(low, high);
    *out = rs::wrap(std::move(t));
  })
}

rs_status rs_tensor_randint(rs_tensor* out, int64_t low, int64_t high, const int64_t* shape,
                            int64_t ndim, int32_t dtype, rs_device device) {
  RS_RETURN_TENSOR(at::randint(low, high, rs::ints(shape, ndim), rs::options(dtype, device)));
}

rs_status rs_tensor_randperm(rs_tensor* out, int64_t n, int32_t dtype, rs_device device) {
  RS_RETURN_TENSOR(at::randperm(n, rs::options(dtype, device)));
}

rs_status rs_tensor_copy_to_host(rs_tensor t, void* dst, int64_t nbytes) {
  RS_GUARD({
    auto c = T(t).to(at::kCPU).contiguous();
    TORCH_CHECK((int64_t)c.nbytes() == nbytes, "copy_to_host: buffer holds ", nbytes,
                " bytes, tensor needs ", c.nbytes());
    if (nbytes > 0) std::memcpy(dst, c.data_ptr(), (size_t)nbytes);
  })
}

rs_status rs_tensor_item(rs_tensor t, rs_scalar* out) {
  RS_GUARD(*out = rs::from_scalar(T(t).item()))
}

rs_status rs_tensor_data_ptr(rs_tensor t, void** out) {
  RS_GUARD({
    TORCH_CHECK(T(t).device().is_cpu(), "data_ptr: tensor is not on the CPU");
    *out = T(t).data_ptr();
  })
}

rs_status rs_tensor_to(rs_tensor* out, rs_tensor t, int32_t dtype, rs_device device,
                       int32_t non_blocking, int32_t copy) {
  RS_GUARD({
    auto& x = T(t);
    auto st = dtype < 0 ? x.scalar_type() : rs::dtype(dtype);
    auto dev = device.type < 0 ? x.device() : rs::device(device);
    *out = rs::wrap(x.to(dev, st, non_blocking != 0, copy != 0));
  })
}

rs_status rs_tensor_contiguous(rs_tensor* out, rs_tensor t, int32_t channels_last) {
  RS_RETURN_TENSOR(T(t).contiguous(channels_last ? at::MemoryFormat::ChannelsLast
                                                 : at::MemoryFormat::Contiguous));
}

rs_status rs_tensor_clone(rs_tensor* out, rs_tensor t) { RS_RETURN_TENSOR(T(t).clone()); }
rs_status rs_tensor_copy_(rs_tensor dst, rs_tensor src) { RS_GUARD(T(dst).copy_(T(src))) }
rs_status rs_tensor_set_data(rs_tensor dst, rs_tensor src) {
  RS_GUARD({
    auto& d = T(dst);
    if (d.unsafeGetTensorImpl()->has_compatible_shallow_copy_type(T(src).key_set())) {
      d.set_data(T(src));
    } else {  // e.g. CPU → audit: no TensorImpl can hold both, so this handle takes a new leaf
      auto requires_grad = d.requires_grad();
      d = T(src).detach().requires_grad_(requires_grad);
    }
  })
}

const char* rs_torch_version(void) { return TORCH_VERSION; }
int32_t rs_get_num_threads(void) { return at::get_num_threads(); }
void rs_set_num_threads(int32_t n) { at::set_num_threads(n); }
void rs_manual_seed(uint64_t seed) { at::manual_seed(seed); }
int32_t rs_cuda_is_available(void) { return at::hasCUDA() ? 1 : 0; }
int32_t rs_cuda_device_count(void) {
  try {
    return at::hasCUDA() ? (int32_t)at::getNumGPUs() : 0;
  } catch (...) {
    return 0;
  }
}

static bool cpu_flag(const std::string& flag) {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line);
    std::string w;
    while (words >> w)
      if (w == flag) return true;
    return false;
  }
  return false;
}

const char* rs_library_path(void) {
  static const std::string path = [] {
    Dl_info info{};
    return dladdr(reinterpret_cast<void*>(&at::get_num_threads), &info) && info.dli_fname
               ? std::string(info.dli_fname) : std::string();
  }();
  return path.c_str();
}

int32_t rs_cpu_has_bf16(void) { return cpu_flag("avx512_bf16") || cpu_flag("amx_bf16"); }

rs_status rs_cpu_capability(char** out) {
  RS_GUARD({
    std::string s = "simd=" + std::string(at::get_cpu_capability());
    if (cpu_flag("amx_bf16")) s += " amx_bf16";
    if (cpu_flag("avx512_bf16")) s += " avx512_bf16";
    if (rs_cpu_products_on_onednn()) s += " fp32_products=oneDNN";
    *out = strdup(s.c_str());
  })
}

}  // extern "C"
