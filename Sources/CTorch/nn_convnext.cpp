// ConvNeXt's block as one autograd node that keeps 5 values per pixel and channel for the
// backward pass instead of the 12 that the separate operations keep.
//
// The block (torchvision CNBlock): out = x + s · γ ⊙ W2·gelu(W1·LN(dwconv(x)) + b1) + b2, with
// s the per-sample stochastic-depth scale. Separate operations save dwconv(x), LN's output, the
// 4C-wide hidden layer before and after GELU, and the block output for γ's gradient. This node
// saves only x and the hidden layer before GELU (h1); backward recomputes the cheap parts
// (depthwise conv, LayerNorm, GELU: no matrix products) and gets γ's gradient from the same
// product that gives W2's, so it does no matrix product the separate operations do not.
#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/custom_function.h>

#include "shim.hpp"

using rs::T;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

struct BlockWeights {
  at::Tensor dw_w, dw_b, ln_w, ln_b, w1, b1, w2, b2, gamma;
  double eps;
  int64_t channels() const { return dw_w.size(0); }
  int64_t padding() const { return dw_w.size(2) / 2; }
};

at::Tensor depthwise(const at::Tensor& x, const BlockWeights& p) {
  return at::conv2d(x, p.dw_w, p.dw_b, 1, p.padding(), 1, p.channels());
}

/// The hidden layer before GELU, [B, H, W, 4C].
at::Tensor hidden(const at::Tensor& x, const BlockWeights& p) {
  auto normed = at::layer_norm(depthwise(x, p).permute({0, 2, 3, 1}), {p.channels()}, p.ln_w, p.ln_b, p.eps);
  return at::linear(normed, p.w1, p.b1);
}

/// x + scale · γ ⊙ W2·gelu(h1) + b2 from the hidden layer; `scale` ([B, 1, 1, 1]) may be undefined.
at::Tensor finish(const at::Tensor& x, const at::Tensor& h1, const BlockWeights& p, const at::Tensor& scale) {
  auto branch = at::linear(at::gelu(h1), p.w2, p.b2).permute({0, 3, 1, 2}) * p.gamma;
  if (scale.defined()) branch = branch * scale;
  return branch + x;
}

/// The per-sample stochastic-depth scale (torchvision stochastic_depth, mode "row"): Bernoulli
/// survival over 1 − p; undefined when nothing is dropped.
at::Tensor sample_scale(const at::Tensor& x, double p, bool training) {
  if (!training || p == 0.0) return {};
  double survival = 1.0 - p;
  auto noise = at::empty({x.size(0), 1, 1, 1}, x.options()).bernoulli_(survival);
  if (survival > 0.0) noise.div_(survival);
  return noise;
}

struct ConvNeXtBlockFunction : public torch::autograd::Function<ConvNeXtBlockFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& dw_w, const at::Tensor& dw_b,
                            const at::Tensor& ln_w, const at::Tensor& ln_b, const at::Tensor& w1,
                            const at::Tensor& b1, const at::Tensor& w2, const at::Tensor& b2,
                            const at::Tensor& gamma, const std::optional<at::Tensor>& scale, double eps) {
    BlockWeights p{dw_w, dw_b, ln_w, ln_b, w1, b1, w2, b2, gamma, eps};
    auto h1 = hidden(x, p);
    auto sample_scale = scale.value_or(at::Tensor());
    ctx->save_for_backward({x, h1, dw_w, dw_b, ln_w, ln_b, w1, b1, w2, b2, gamma, sample_scale});
    ctx->saved_data["eps"] = eps;
    return finish(x, h1, p, sample_scale);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &h1 = saved[1], &scale = saved[11];
    BlockWeights p{saved[2], saved[3], saved[4], saved[5], saved[6], saved[7], saved[8], saved[9], saved[10],
                   ctx->saved_data["eps"].toDouble()};
    const int64_t C = p.channels(), B = x.size(0), H = x.size(2), W = x.size(3), pixels = B * H * W;

    const auto& grad_out = grads[0];
    auto grad_branch = scale.defined() ? grad_out * scale : grad_out;
    auto g = grad_branch.permute({0, 2, 3, 1}).contiguous().view({pixels, C});
    auto h1_flat = h1.reshape({pixels, 4 * C});
    auto gamma = p.gamma.reshape({C});

    // Second linear layer and γ. With y = W2·a + b2 and M = gᵀa: dW2 = γ ⊙ M (by row),
    // dγ = Σ_k W2 ⊙ M + b2 ⊙ Σ g, db2 = γ ⊙ Σ g.
    auto activated = at::gelu(h1_flat);
    auto product = g.t().mm(activated);
    activated.reset();
    auto g_sum = g.sum(0);
    auto grad_w2 = product * gamma.unsqueeze(1);
    auto grad_gamma = ((p.w2 * product).sum(1) + p.b2 * g_sum).view_as(p.gamma);
    auto grad_b2 = g_sum * gamma;
    product.reset();
    auto grad_h1 = at::gelu_backward((g * gamma).mm(p.w2), h1_flat);
    g.reset();

    // First linear layer and LayerNorm, from the recomputed depthwise convolution.
    auto conv = depthwise(x, p).permute({0, 2, 3, 1}).contiguous().view({pixels, C});
    auto [normed, mean, rstd] = at::native_layer_norm(conv, {C}, p.ln_w, p.ln_b, p.eps);
    auto grad_w1 = grad_h1.t().mm(normed);
    auto grad_b1 = grad_h1.sum(0);
    normed.reset();
    auto grad_normed = grad_h1.mm(p.w1);
    grad_h1.reset();
    auto [grad_conv, grad_ln_w, grad_ln_b] = at::native_layer_norm_backward(
        grad_normed, conv, {C}, mean, rstd, p.ln_w, p.ln_b, {true, true, true});
    grad_normed.reset();
    conv.reset();

    // Depthwise convolution, plus the residual path.
    auto [grad_x, grad_dw_w, grad_dw_b] = at::convolution_backward(
        grad_conv.view({B, H, W, C}).permute({0, 3, 1, 2}), x, p.dw_w, std::vector<int64_t>{C}, {1, 1},
        {p.padding(), p.padding()}, {1, 1}, false, {0, 0}, C, {true, true, true});
    grad_x.add_(grad_out);
    return {grad_x, grad_dw_w, grad_dw_b, grad_ln_w, grad_ln_b, grad_w1, grad_b1, grad_w2, grad_b2,
            grad_gamma, at::Tensor(), at::Tensor()};
  }
};

bool autocasting() {
  return at::autocast::is_autocast_enabled(at::kCPU) || at::autocast::is_autocast_enabled(at::kCUDA);
}

}  // namespace

extern "C" {

rs_status rs_convnext_block(rs_tensor* out, rs_tensor x, rs_tensor dw_w, rs_tensor dw_b, rs_tensor ln_w,
                            rs_tensor ln_b, double eps, rs_tensor w1, rs_tensor b1, rs_tensor w2, rs_tensor b2,
                            rs_tensor gamma, double drop_path, int32_t training) {
  RS_GUARD({
    TORCH_CHECK(drop_path >= 0 && drop_path <= 1, "drop path probability has to be between 0 and 1, but got ", drop_path);
    BlockWeights p{T(dw_w), T(dw_b), T(ln_w), T(ln_b), T(w1), T(b1), T(w2), T(b2), T(gamma), eps};
    const auto& input = T(x);
    TORCH_CHECK(input.dim() == 4 && input.size(1) == p.channels(), "ConvNeXt block: expected input [B, ",
                p.channels(), ", H, W], got ", input.sizes());
    auto scale = sample_scale(input, drop_path, training != 0);
    bool needs_graph = c10::GradMode::is_enabled() &&
                       (input.requires_grad() || p.dw_w.requires_grad() || p.w1.requires_grad() ||
                        p.w2.requires_grad() || p.gamma.requires_grad());
    // Autocast would run the recomputation in backward at other precisions than the forward:
    // keep the separate operations there.
    if (needs_graph && !autocasting())
      *out = rs::wrap(ConvNeXtBlockFunction::apply(input, p.dw_w, p.dw_b, p.ln_w, p.ln_b, p.w1, p.b1, p.w2,
                                                   p.b2, p.gamma, std::optional<at::Tensor>(scale), eps));
    else
      *out = rs::wrap(finish(input, hidden(input, p), p, scale));
  })
}

}  // extern "C"
