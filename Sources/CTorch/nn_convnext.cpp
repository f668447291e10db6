// ConvNeXt's block, fused: the per-pixel part runs in chunks of pixels, and in training the block
// is one autograd node that keeps 5 values per pixel and channel for backward instead of 12.
//
// The block (torchvision CNBlock): out = x + s · γ ⊙ (W2·gelu(W1·LN(dwconv(x)) + b1) + b2), with
// s the per-sample stochastic-depth scale.
// - Chunks: the 4C-wide hidden layer of a few thousand pixels stays in cache between the two
//   matrix products and GELU; over a whole 128×128 feature map it does not (measured on 2 AVX2
//   cores: stage-1 MLP 71 → 37 ms).
// - Memory: separate operations save dwconv(x), LN's output, the hidden layer before and after
//   GELU, and the branch output for γ's gradient. This node saves only x and the hidden layer
//   before GELU (h1); backward recomputes the cheap parts (depthwise conv, LayerNorm, GELU: no
//   matrix products) and gets γ's gradient from the same product that gives W2's. Narrow blocks
//   (C ≤ 256) save x alone and also recompute h1, one product: h1 holds 4C values per pixel
//   against 4C² multiply-adds to remake, so the bytes saved per FLOP are 2/C, highest in the
//   early stages (ConvNeXt-B at 512², batch 2: 0.29 GB for about 1 % more products per step).
// - Autocast: the same node, with the two products in autocast's precision (bf16) and the rest
//   in float32. Separate operations under autocast kept every intermediate in bf16 with casts
//   between them; this node measured a BiCoR-Seg bf16 step 5.15 → 4.44 s at 0.87 GB less peak.
// - The depthwise convolution's backward is nn_depthwise.cpp's.
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

/// The two products' weights in the precision the products run in: autocast's (bf16) or the
/// block's own.
struct ProductWeights {
  at::Tensor w1, b1, w2, b2;
  ProductWeights(const BlockWeights& p, at::ScalarType type)
      : w1(p.w1.to(type)), b1(p.b1.to(type)), w2(p.w2.to(type)), b2(p.b2.to(type)) {}
  at::ScalarType type() const { return w1.scalar_type(); }
};

/// Blocks at most this wide recompute their hidden layer in backward instead of keeping it.
constexpr int64_t kRecomputedHiddenChannels = 256;

/// Pixels per chunk of the per-pixel layers on the CPU (about 4 MB of hidden layer at C = 128).
int64_t chunk_rows(const at::Tensor& x) { return x.is_cpu() ? 2048 : x.numel(); }

/// dwconv(x) as [B·H·W, C] rows (pixel-major, as LayerNorm and the products need).
at::Tensor depthwise_rows(const at::Tensor& x, const BlockWeights& p) {
  auto conv = at::conv2d(x, p.dw_w, p.dw_b, 1, p.padding(), 1, p.channels());
  return conv.permute({0, 2, 3, 1}).contiguous().view({-1, p.channels()});
}

/// W2·gelu(W1·LN(rows) + b1) + b2 for [P, C] rows, chunk by chunk, in the products' precision
/// (LayerNorm in the rows'); the hidden layer before GELU is written to `hidden` ([P, 4C]) when
/// that is defined.
at::Tensor pointwise(const at::Tensor& rows, const BlockWeights& p, const ProductWeights& q,
                     const at::Tensor& hidden) {
  const int64_t P = rows.size(0), C = p.channels(), chunk = chunk_rows(rows);
  auto y = at::empty({P, C}, rows.options().dtype(q.type()));
  for (int64_t r = 0; r < P; r += chunk) {
    const int64_t n = std::min(chunk, P - r);
    auto normed = at::layer_norm(rows.narrow(0, r, n), {C}, p.ln_w, p.ln_b, p.eps).to(q.type());
    at::Tensor activated;
    if (hidden.defined()) {
      auto h = hidden.narrow(0, r, n);
      rs::addmm_out(h, q.b1, normed, q.w1.t());
      activated = at::gelu(h);
    } else {
      activated = rs::linear_gelu(normed, q.w1, q.b1);
    }
    auto out = y.narrow(0, r, n);
    rs::addmm_out(out, q.b2, activated, q.w2.t());
  }
  return y;
}

/// x + scale · γ ⊙ y for the branch output y as [P, C] rows; `scale` ([B, 1, 1, 1]) may be undefined.
at::Tensor finish(const at::Tensor& x, const at::Tensor& y, const BlockWeights& p, const at::Tensor& scale) {
  auto branch = y.view({x.size(0), x.size(2), x.size(3), -1}).permute({0, 3, 1, 2}) * p.gamma;
  if (scale.defined()) branch = branch * scale;
  return branch + x;
}

/// sum += a·b, in the sum's precision whatever the operands'.
void add_product(at::Tensor& sum, const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() == sum.scalar_type())
    rs::add_mm_(sum, a, b);
  else
    sum.add_(rs::mm(a, b));
}

struct ConvNeXtBlockFunction : public torch::autograd::Function<ConvNeXtBlockFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& dw_w, const at::Tensor& dw_b,
                            const at::Tensor& ln_w, const at::Tensor& ln_b, const at::Tensor& w1,
                            const at::Tensor& b1, const at::Tensor& w2, const at::Tensor& b2,
                            const at::Tensor& gamma, const std::optional<at::Tensor>& scale, double eps,
                            at::ScalarType product_type) {
    BlockWeights p{dw_w, dw_b, ln_w, ln_b, w1, b1, w2, b2, gamma, eps};
    ProductWeights q(p, product_type);
    auto x_weights = x.to(dw_w.scalar_type());  // autocast may hand over a lower-precision x
    auto rows = depthwise_rows(x_weights, p);
    auto h1 = p.channels() > kRecomputedHiddenChannels
                  ? at::empty({rows.size(0), 4 * p.channels()}, rows.options().dtype(product_type))
                  : at::Tensor();
    auto y = pointwise(rows, p, q, h1);
    auto sample_scale = scale.value_or(at::Tensor());
    ctx->save_for_backward({x_weights, h1, dw_w, dw_b, ln_w, ln_b, w1, b1, w2, b2, gamma, sample_scale});
    ctx->saved_data["eps"] = eps;
    ctx->saved_data["product_type"] = product_type;
    return finish(x, y, p, sample_scale);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &h1 = saved[1], &scale = saved[11];
    BlockWeights p{saved[2], saved[3], saved[4], saved[5], saved[6], saved[7], saved[8], saved[9], saved[10],
                   ctx->saved_data["eps"].toDouble()};
    ProductWeights q(p, ctx->saved_data["product_type"].toScalarType());
    const int64_t C = p.channels(), B = x.size(0), H = x.size(2), W = x.size(3), P = B * H * W;
    const int64_t chunk = chunk_rows(x);

    const auto& grad_out = grads[0];
    auto grad_branch = scale.defined() ? grad_out * scale : grad_out;
    auto g = grad_branch.permute({0, 2, 3, 1}).contiguous().view({P, C});  // ∂/∂(W2·a + b2), before γ
    auto gamma = p.gamma.reshape({C});
    auto g_gamma = g * gamma;  // ∂/∂y
    auto rows = depthwise_rows(x, p);

    // Accumulated over chunks, in the weights' precision. With a = gelu(h1) and M = gᵀa:
    // dW2 = γ ⊙ M (by row), dγ = Σ_k W2 ⊙ M + b2 ⊙ Σ g, db2 = γ ⊙ Σ g.
    auto product = at::zeros({C, 4 * C}, g.options());
    auto grad_w1 = at::zeros({4 * C, C}, g.options());
    auto grad_b1 = at::zeros({4 * C}, g.options());
    auto grad_ln_w = at::zeros({C}, g.options());
    auto grad_ln_b = at::zeros({C}, g.options());
    auto grad_rows = at::empty({P, C}, g.options());
    for (int64_t r = 0; r < P; r += chunk) {
      const int64_t n = std::min(chunk, P - r);
      auto conv = rows.narrow(0, r, n);
      auto [normed, mean, rstd] = at::native_layer_norm(conv, {C}, p.ln_w, p.ln_b, p.eps);
      auto normed_product = normed.to(q.type());
      auto h = h1.defined() ? h1.narrow(0, r, n) : rs::addmm(q.b1, normed_product, q.w1.t());
      add_product(product, g.narrow(0, r, n).to(q.type()).t(), at::gelu(h));
      auto grad_h = at::gelu_backward(rs::mm(g_gamma.narrow(0, r, n).to(q.type()), q.w2), h);
      add_product(grad_w1, grad_h.t(), normed_product);
      grad_b1.add_(grad_h.sum(0, false, grad_b1.scalar_type()));
      auto [grad_conv, grad_w, grad_b] = at::native_layer_norm_backward(
          rs::mm(grad_h, q.w1).to(conv.scalar_type()), conv, {C}, mean, rstd, p.ln_w, p.ln_b, {true, true, true});
      grad_rows.narrow(0, r, n).copy_(grad_conv);
      grad_ln_w.add_(grad_w);
      grad_ln_b.add_(grad_b);
    }
    auto g_sum = g.sum(0);
    auto grad_w2 = product * gamma.unsqueeze(1);
    auto grad_gamma = ((p.w2 * product).sum(1) + p.b2 * g_sum).view_as(p.gamma);
    auto grad_b2 = g_sum * gamma;

    // Depthwise convolution, plus the residual path.
    auto [grad_x, grad_dw_w, grad_dw_b] =
        rs::depthwise_conv_backward(grad_rows.view({B, H, W, C}).permute({0, 3, 1, 2}), x, p.dw_w);
    grad_x.add_(grad_out);
    return {grad_x, grad_dw_w, grad_dw_b, grad_ln_w, grad_ln_b, grad_w1, grad_b1, grad_w2, grad_b2,
            grad_gamma, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

/// The precision of the block's two products: autocast's where it is on for the input's device
/// and the weights are float32, else the weights'. The rest runs in the weights' precision: the
/// depthwise convolution and LayerNorm are a small part of the time, and float32 there keeps
/// the residual stream's precision.
at::ScalarType product_type(const at::Tensor& x, const BlockWeights& p) {
  const auto device = x.device().type();
  const bool autocast = (device == at::kCPU || device == at::kCUDA) && at::autocast::is_autocast_enabled(device) &&
                        p.w1.scalar_type() == at::kFloat;
  return autocast ? at::autocast::get_autocast_dtype(device) : p.w1.scalar_type();
}

}  // namespace

extern "C" {

rs_status rs_convnext_block(rs_tensor* out, rs_tensor x, rs_tensor dw_w, rs_tensor dw_b, rs_tensor ln_w,
                            rs_tensor ln_b, double eps, rs_tensor w1, rs_tensor b1, rs_tensor w2, rs_tensor b2,
                            rs_tensor gamma, double drop_path, int32_t training) {
  RS_GUARD({
    BlockWeights p{T(dw_w), T(dw_b), T(ln_w), T(ln_b), T(w1), T(b1), T(w2), T(b2), T(gamma), eps};
    const auto& input = T(x);
    TORCH_CHECK(input.dim() == 4 && input.size(1) == p.channels(), "ConvNeXt block: expected input [B, ",
                p.channels(), ", H, W], got ", input.sizes());
    const auto products = product_type(input, p);
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
    auto scale = rs::drop_path_scale(input, drop_path, training != 0);
    bool needs_graph = c10::GradMode::is_enabled() &&
                       (input.requires_grad() || p.dw_w.requires_grad() || p.w1.requires_grad() ||
                        p.w2.requires_grad() || p.gamma.requires_grad());
    if (needs_graph) {
      *out = rs::wrap(ConvNeXtBlockFunction::apply(input, p.dw_w, p.dw_b, p.ln_w, p.ln_b, p.w1, p.b1, p.w2,
                                                   p.b2, p.gamma, std::optional<at::Tensor>(scale), eps, products));
    } else {
      auto rows = depthwise_rows(input.to(p.dw_w.scalar_type()), p);
      *out = rs::wrap(finish(input, pointwise(rows, p, ProductWeights(p, products), at::Tensor()), p, scale));
    }
  })
}

}  // extern "C"
