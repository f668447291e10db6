// Float32 matrix products on the CPU through oneDNN, and a linear layer whose forward and
// backward products go there.
//
// libtorch 2.13 sends float32 mm/addmm to MKL's sgemm and only bf16/fp16 (or float32 with reduced
// precision allowed) to oneDNN. On 2 AVX-512 cores oneDNN's exact float32 matmul measured 200–216
// GFLOP/s on the shapes of ConvNeXt's, Swin's and BERT's linear layers, forward and both backward
// products, where sgemm gave 122–197 (e.g. [1800, 512]·[512, 2048]: 122–185 against 174–213).
// oneDNN's entry point, at::native::mkldnn_matmul, is exported by libtorch_cpu but has no public
// header: it is looked up once at run time, and without it the products are libtorch's.
// RecordFunction's layout depends on NDEBUG, with which libtorch is built (see flops.cpp).
#ifndef NDEBUG
#define NDEBUG
#endif
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/record_function.h>
#include <dlfcn.h>
#include <torch/csrc/autograd/custom_function.h>

#include <ATen/autocast_mode.h>

#include "shim.hpp"

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

/// result = beta·result + a·b (2-D, float32, CPU).
using OneDNNMatmul = void (*)(const at::Tensor& a, const at::Tensor& b, const at::Tensor& result, float beta,
                              float alpha);

/// oneDNN's matmul, or nullptr where libtorch lacks it or refuses float32 on this CPU: libtorch
/// 2.13 takes float32 there only with avx_ne_convert or AVX-512 (bw, vl, dq), and throws on AVX2
/// CPUs. One 1×1 product tells, whatever the version's rule.
OneDNNMatmul onednn_matmul() {
  static const auto function = []() -> OneDNNMatmul {
    auto found =
        reinterpret_cast<OneDNNMatmul>(dlsym(RTLD_DEFAULT, "_ZN2at6native13mkldnn_matmulERKNS_6TensorES3_S3_ff"));
    if (found == nullptr) return nullptr;
    try {
      auto one = at::ones({1, 1});
      found(one, one, at::empty({1, 1}), 0.0f, 1.0f);
      return found;
    } catch (const std::exception&) {
      return nullptr;
    }
  }();
  return function;
}

/// result = beta·result + a·b on oneDNN, seen by the profiler and the FLOP counter.
void onednn_product(const at::Tensor& a, const at::Tensor& b, const at::Tensor& result, float beta) {
  RECORD_FUNCTION(rs::kOneDNNProduct, std::vector<c10::IValue>({a, b}));
  onednn_matmul()(a, b, result, beta, 1.0f);
}

/// Operands oneDNN multiplies here: float32 on the CPU, 2-D, or 3-D with the same batch.
bool on_onednn(const at::Tensor& a, const at::Tensor& b) {
  return a.is_cpu() && b.is_cpu() && a.scalar_type() == at::kFloat && b.scalar_type() == at::kFloat &&
         a.dim() == b.dim() && (a.dim() == 2 || (a.dim() == 3 && a.size(0) == b.size(0))) &&
         a.size(-1) == b.size(-2) && a.numel() > 0 && b.numel() > 0 && onednn_matmul() != nullptr;
}

/// x·Wᵀ + b with x's leading dimensions, from x as [rows, K] rows.
at::Tensor linear_of_rows(const at::Tensor& rows, at::IntArrayRef input_sizes, const at::Tensor& w,
                          const std::optional<at::Tensor>& b) {
  auto sizes = input_sizes.vec();
  sizes.back() = w.size(0);
  return (b ? rs::addmm(*b, rows, w.t()) : rs::mm(rows, w.t())).view(sizes);
}

/// A linear layer y = x·Wᵀ + b whose three products run on oneDNN (see rs::linear). Without
/// `values` the forward makes the result's tensor but not its product (rs::linear_backward_only).
struct LinearFunction : public torch::autograd::Function<LinearFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w,
                            const std::optional<at::Tensor>& b, bool values) {
    auto rows = x.reshape({-1, x.size(-1)});
    ctx->save_for_backward({rows, w});
    ctx->saved_data["bias"] = b.has_value();
    ctx->saved_data["input_sizes"] = x.sizes();
    if (values) return linear_of_rows(rows, x.sizes(), w, b);
    auto sizes = x.sizes().vec();
    sizes.back() = w.size(0);
    return at::empty(sizes, x.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &rows = saved[0], &w = saved[1];
    auto g = grads[0].reshape({-1, w.size(0)});
    // A graph of the gradient (double backward) needs libtorch's differentiable products.
    const bool graph = c10::GradMode::is_enabled();
    auto product = [&](const at::Tensor& a, const at::Tensor& b) { return graph ? at::mm(a, b) : rs::mm(a, b); };
    at::Tensor grad_x, grad_w, grad_b;
    if (ctx->needs_input_grad(0)) grad_x = product(g, w).view(ctx->saved_data["input_sizes"].toIntVector());
    if (ctx->needs_input_grad(1)) grad_w = product(g.t(), rows);
    if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(2)) grad_b = g.sum(0);
    return {grad_x, grad_w, grad_b, at::Tensor()};
  }
};

/// Whether autograd records a linear layer on these operands.
bool records_graph(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& b) {
  return c10::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad() || (b && b->requires_grad()));
}

/// [batch, n, k]·[batch, k, m] on oneDNN.
at::Tensor batched_product(const at::Tensor& a, const at::Tensor& b) {
  auto result = at::empty({a.size(0), a.size(1), b.size(2)}, a.options());
  rs::mm_out(result, a, b);
  return result;
}

/// Whether b in a·b is a thin right operand: few columns, fewer than a's. Its gradient aᵀ·g (a's rows,
/// often pixels, transposed, against those few columns) then ran 5–10× slower on MKL than the
/// same numbers as (gᵀ·a)ᵀ on 2 AVX2 cores: 19–24 against 4.2–4.5 ms for HBIS's score ([2,
/// 16384, 256] against 6 columns), 30–35 against 3.4 ms for BiCoR-Seg's classifier ([2, 262144,
/// 16] against 6). With 20 or 32 columns the two forms were within 0.4 ms of each other.
bool thin_right_operand(const at::Tensor& a, const at::Tensor& b) {
  return b.size(-1) <= 16 && b.size(-1) < a.size(-1);
}

/// Batched products a·b over 3-D operands on oneDNN (on MKL where oneDNN is missing), both
/// gradients too (see rs::matmul).
struct BatchedProductFunction : public torch::autograd::Function<BatchedProductFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& a, const at::Tensor& b) {
    ctx->save_for_backward({a, b});
    return batched_product(a, b);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &a = saved[0], &b = saved[1];
    const auto& g = grads[0];
    // A graph of the gradient (double backward) needs libtorch's differentiable products.
    const bool graph = c10::GradMode::is_enabled();
    auto product = [&](const at::Tensor& x, const at::Tensor& y) { return graph ? at::bmm(x, y) : batched_product(x, y); };
    at::Tensor grad_a, grad_b;
    if (ctx->needs_input_grad(0)) grad_a = product(g, b.transpose(1, 2));
    if (ctx->needs_input_grad(1))
      grad_b = thin_right_operand(a, b) ? product(g.transpose(1, 2), a).transpose(1, 2) : product(a.transpose(1, 2), g);
    return {grad_a, grad_b};
  }
};

}  // namespace

extern "C" int32_t rs_cpu_products_on_onednn(void) { return onednn_matmul() != nullptr; }

namespace rs {

at::Tensor matmul(const at::Tensor& a, const at::Tensor& b) {
  // Operands with the same batch dimensions (no broadcasting), at least 3-D: attention's products.
  // libtorch sends them to MKL's batched sgemm, which measured 71–105 GFLOP/s on Swin's window
  // shapes ([288, 144, 32]·[288, 32, 144] and [288, 144, 144]·[288, 144, 32]) on 2 AVX-512 cores,
  // against oneDNN's 92–144, also with a transposed operand as in backward. Where oneDNN is
  // missing, a thin b's gradient (see thin_right_operand) still needs this function's backward.
  const bool graph = c10::GradMode::is_enabled() && (a.requires_grad() || b.requires_grad());
  const bool ours = !at::autocast::is_autocast_enabled(at::kCPU) && a.dim() >= 3 && a.dim() == b.dim() &&
                    a.sizes().slice(0, a.dim() - 2) == b.sizes().slice(0, b.dim() - 2) && a.size(-1) == b.size(-2) &&
                    a.is_cpu() && b.is_cpu() && a.scalar_type() == at::kFloat && b.scalar_type() == at::kFloat &&
                    a.numel() > 0 && b.numel() > 0 &&
                    (onednn_matmul() != nullptr || (graph && thin_right_operand(a, b)));
  if (!ours) return at::matmul(a, b);
  RECORD_FUNCTION("rsseg::matmul", std::vector<c10::IValue>({a, b}));
  auto a3 = a.reshape({-1, a.size(-2), a.size(-1)}), b3 = b.reshape({-1, b.size(-2), b.size(-1)});
  auto sizes = a.sizes().vec();
  sizes.back() = b.size(-1);
  return (graph ? BatchedProductFunction::apply(a3, b3) : batched_product(a3, b3)).view(sizes);
}

at::Tensor mm(const at::Tensor& a, const at::Tensor& b) {
  if (a.dim() != 2 || !on_onednn(a, b)) return at::mm(a, b);
  auto result = at::empty({a.size(0), b.size(1)}, a.options());
  onednn_product(a, b, result, 0.0f);
  return result;
}

void mm_out(at::Tensor& result, const at::Tensor& a, const at::Tensor& b) {
  if (on_onednn(a, b) && result.is_contiguous())
    onednn_product(a, b, result, 0.0f);
  else if (a.dim() == 3)
    at::bmm_out(result, a, b);
  else
    at::mm_out(result, a, b);
}

void add_mm_(at::Tensor& sum, const at::Tensor& a, const at::Tensor& b) {
  if (on_onednn(a, b) && sum.is_contiguous() && sum.scalar_type() == at::kFloat)
    onednn_product(a, b, sum, 1.0f);
  else if (a.dim() == 3)
    sum.baddbmm_(a, b);
  else
    sum.addmm_(a, b);
}

void addmm_out(at::Tensor& result, const at::Tensor& bias, const at::Tensor& a, const at::Tensor& b) {
  if (a.dim() != 2 || !on_onednn(a, b) || !result.is_contiguous()) {
    at::addmm_out(result, bias, a, b);
  } else {
    result.copy_(bias.expand_as(result));
    onednn_product(a, b, result, 1.0f);
  }
}

at::Tensor addmm(const at::Tensor& bias, const at::Tensor& a, const at::Tensor& b) {
  if (a.dim() != 2 || !on_onednn(a, b)) return at::addmm(bias, a, b);
  auto result = at::empty({a.size(0), b.size(1)}, a.options());
  rs::addmm_out(result, bias, a, b);
  return result;
}

at::Tensor linear_gelu(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  // oneDNN's linear with GELU (erf) applied as results are written, which Inductor uses on the
  // CPU: float32 where oneDNN takes float32 products anyway (on AVX2 CPUs its float32 product ran
  // at 108–120 GFLOP/s against MKL's 143–155 on ConvNeXt-B's shapes, more than the separate
  // GELU costs), bf16 where the CPU computes it natively.
  static const auto fused = c10::Dispatcher::singleton().findOp({"mkldnn::_linear_pointwise", ""});
  const auto type = x.scalar_type();
  const bool ours = fused && x.is_cpu() && x.dim() == 2 && w.dim() == 2 && w.is_contiguous() &&
                    w.scalar_type() == type && b.scalar_type() == type &&
                    (type == at::kFloat ? onednn_matmul() != nullptr : type == at::kBFloat16 && rs_cpu_has_bf16());
  if (!ours) return at::gelu(rs::addmm(b, x, w.t()));
  torch::jit::Stack stack{x, w, b, std::string("gelu"), c10::List<std::optional<at::Scalar>>(),
                          std::optional<std::string>("none")};
  fused->callBoxed(stack);
  return stack[0].toTensor();
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& b) {
  if (auto operands = cached_autocast_operands(x, w, b)) {
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
    return at::linear(operands->x, operands->w, operands->b);
  }
  // Under autocast, libtorch's linear casts to bf16; oneDNN is where its bf16 products go anyway.
  const bool ours = !at::autocast::is_autocast_enabled(at::kCPU) && x.dim() >= 1 && w.dim() == 2 &&
                    x.is_cpu() && x.scalar_type() == at::kFloat && x.numel() > 0 && x.size(-1) == w.size(1) &&
                    on_onednn(w, w.t()) &&  // w: a float32 CPU matrix, and oneDNN was found
                    (!b || (b->is_cpu() && b->scalar_type() == at::kFloat && b->dim() == 1 && b->size(0) == w.size(0)));
  if (!ours) return at::linear(x, w, b);
  RECORD_FUNCTION("rsseg::linear", std::vector<c10::IValue>({x, w}));
  if (records_graph(x, w, b)) return LinearFunction::apply(x, w, b, true);
  return linear_of_rows(x.reshape({-1, x.size(-1)}), x.sizes(), w, b);
}

at::Tensor linear_backward_only(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& b) {
  if (!records_graph(x, w, b)) return rs::linear(x, w, b);
  const auto device = x.device().type();
  if (!at::autocast::is_autocast_enabled(device)) return LinearFunction::apply(x, w, b, false);
  // Autocast's own casts (its policy and cache), recorded so that gradients reach the operands.
  const auto type = at::autocast::get_autocast_dtype(device);
  return LinearFunction::apply(at::autocast::cached_cast(type, x, device), at::autocast::cached_cast(type, w, device),
                               at::autocast::cached_cast(type, b, device), false);
}

}  // namespace rs
