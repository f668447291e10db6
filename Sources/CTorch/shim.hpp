// Private helpers shared by the CTorch translation units: handle conversion and the error guard.
#pragma once
#include <ATen/ATen.h>
#include <optional>
#include <string>
#include <vector>

#include "ctorch.h"

namespace rs {

void set_last_error(std::string message);

inline at::Tensor& T(rs_tensor t) { return *reinterpret_cast<at::Tensor*>(t); }
inline rs_tensor wrap(at::Tensor t) { return reinterpret_cast<rs_tensor>(new at::Tensor(std::move(t))); }
/// Nullable handle → optional tensor (for optional arguments such as a bias).
inline std::optional<at::Tensor> opt(rs_tensor t) {
  return t ? std::optional<at::Tensor>(T(t)) : std::nullopt;
}
inline at::IntArrayRef ints(const int64_t* p, int64_t n) { return at::IntArrayRef(p, (size_t)n); }
/// A float32 tensor's first element, for kernels that have checked its type and layout.
inline const float* data(const at::Tensor& t) { return static_cast<const float*>(t.data_ptr()); }
inline float* mutable_data(at::Tensor& t) { return static_cast<float*>(t.data_ptr()); }
inline std::vector<at::Tensor> tensors(const rs_tensor* list, int64_t n) {
  std::vector<at::Tensor> v;
  v.reserve((size_t)n);
  for (int64_t k = 0; k < n; ++k) v.push_back(T(list[k]));
  return v;
}
at::Scalar scalar(rs_scalar s);
rs_scalar from_scalar(const at::Scalar& s);
at::ScalarType dtype(int32_t code);
at::Device device(rs_device d);
at::TensorOptions options(int32_t dtype, rs_device d);
/// Stochastic depth's per-sample factor for `x` (torchvision stochastic_depth, mode "row"):
/// Bernoulli survival over 1 − p divided by 1 − p, shaped [B, 1, …]; undefined when nothing is
/// dropped (not training, or p = 0).
at::Tensor drop_path_scale(const at::Tensor& x, double p, bool training);
/// Which variant of a kernel compiled for several instruction sets (nn_depthwise.cpp,
/// nn_winograd.cpp) this CPU runs.
enum class SimdLevel { baseline, avx2, avx512 };
inline SimdLevel simd_level() {
  static const SimdLevel level = __builtin_cpu_supports("avx512f") ? SimdLevel::avx512
                                 : __builtin_cpu_supports("avx2")  ? SimdLevel::avx2
                                                                   : SimdLevel::baseline;
  return level;
}
/// Gradients (input, weight, bias) of a depthwise convolution with stride 1 and "same" padding
/// (groups = channels = weight.size(0)); its own kernels for 7×7 on the CPU in float32/64.
std::tuple<at::Tensor, at::Tensor, at::Tensor> depthwise_conv_backward(const at::Tensor& grad_out,
                                                                       const at::Tensor& x,
                                                                       const at::Tensor& weight);
/// Matrix products that run on oneDNN for 2-D float32 CPU operands where libtorch allows it
/// (rs_cpu_products_on_onednn) and on libtorch's otherwise (products.cpp): a·b, a·b into
/// `result`, `sum += a·b` (these two also batched: 3-D operands), bias + a·b into `result`,
/// bias + a·b.
/// What the profiler and the FLOP counter see them as: a·b, as aten::mm would be seen.
constexpr const char* kOneDNNProduct = "rsseg::onednn_mm";
at::Tensor mm(const at::Tensor& a, const at::Tensor& b);
void mm_out(at::Tensor& result, const at::Tensor& a, const at::Tensor& b);
void add_mm_(at::Tensor& sum, const at::Tensor& a, const at::Tensor& b);
void addmm_out(at::Tensor& result, const at::Tensor& bias, const at::Tensor& a, const at::Tensor& b);
at::Tensor addmm(const at::Tensor& bias, const at::Tensor& a, const at::Tensor& b);
/// at::matmul; operands of 3+ dimensions with the same batch dimensions are multiplied on oneDNN,
/// forward and backward, where rs::mm would use it; a thin right operand's (few columns) gradient
/// is computed the transposed way round on every CPU.
at::Tensor matmul(const at::Tensor& a, const at::Tensor& b);
/// gelu(x·wᵀ + b) for 2-D x: one oneDNN call on the CPU where oneDNN takes float32 products
/// (float32) or the CPU has native bf16 (bf16); the product, then GELU, elsewhere.
at::Tensor linear_gelu(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);
/// at::linear, with its forward and backward products on oneDNN where rs::mm would use it.
at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& b);
/// rs::linear's graph without its values (see rs_linear_backward_only).
at::Tensor linear_backward_only(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& b);
/// Whether conv2d(x, w, b, stride, padding, dilation, groups) is one that winograd_conv3x3 runs:
/// 3×3, stride 1, padding 1, float32 on the CPU (under autocast, float32 or bf16 input of at least
/// 60×60), at least 32 channels each side.
bool winograd_applies(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& b,
                      at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups);
/// That convolution by Winograd's F(4×4, 3×3) (nn_winograd.cpp); its output is float32, channels-last.
/// What the profiler and the FLOP counter see it as (counted as the direct convolution's FLOPs).
constexpr const char* kWinogradConvolution = "rsseg::winograd_conv2d";
at::Tensor winograd_conv3x3(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& b);
/// Swin's window attention with its products batched (nn_window_attention.cpp), forward and
/// backward, as the profiler and the FLOP counter see them (counted from qkv [W, n, 3C]: the
/// forward's two products, 4·W·n²·C FLOPs, and the backward's four).
constexpr const char* kWindowAttention = "rsseg::window_attention";
constexpr const char* kWindowAttentionBackward = "rsseg::window_attention_backward";
/// A product's operands as autocast casts them (x, weight, bias in its lower precision), weight
/// and bias from the cast cache (cast_cache.cpp: made once per rs_cast_cache_enter scope while
/// gradients are off); nullopt unless inside such a scope with gradients off, autocast on for
/// x's device and the operands float32 (or already in that precision). The product then runs
/// with autocast off.
struct AutocastOperands {
  at::Tensor x, w;
  std::optional<at::Tensor> b;
};
std::optional<AutocastOperands> cached_autocast_operands(const at::Tensor& x, const at::Tensor& w,
                                                         const std::optional<at::Tensor>& b);
/// Hands a list of tensors to C as a malloc'ed array of owned handles.
void wrap_list(std::vector<at::Tensor> list, rs_tensor** out, int64_t* n);

}  // namespace rs

/// Runs `body`; any exception becomes the thread's last error and a non-zero status.
#define RS_GUARD(...)                                                  \
  try {                                                                  \
    __VA_ARGS__;                                                              \
    return 0;                                                            \
  } catch (const c10::Error& e) {                                        \
    rs::set_last_error(e.what_without_backtrace());                      \
  } catch (const std::exception& e) {                                    \
    rs::set_last_error(e.what());                                        \
  } catch (...) {                                                        \
    rs::set_last_error("unknown C++ exception");                         \
  }                                                                      \
  return 1;

/// The common case: one tensor result written to `out`.
#define RS_RETURN_TENSOR(...) RS_GUARD(*out = rs::wrap(__VA_ARGS__))
