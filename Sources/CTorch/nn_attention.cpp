// Scaled dot-product attention and nn.MultiheadAttention's forward.
#include "shim.hpp"

using rs::T;

/// MultiheadAttention's masks mark positions to *exclude*: bool true → -inf, float masks add.
static at::Tensor additive_mask(const at::Tensor& mask, const at::TensorOptions& like) {
  if (mask.scalar_type() == at::kBool) {
    return at::zeros(mask.sizes(), like).masked_fill_(mask, -std::numeric_limits<double>::infinity());
  }
  return mask.to(like.dtype());
}

/// torch.nn.functional.multi_head_attention_forward with need_weights=False (inputs [L, N, E]).
static at::Tensor multi_head_attention(at::Tensor q, at::Tensor k, at::Tensor v, int64_t heads,
                                       const at::Tensor& in_w, const std::optional<at::Tensor>& in_b,
                                       const at::Tensor& out_w, const std::optional<at::Tensor>& out_b,
                                       const std::optional<at::Tensor>& key_padding_mask,
                                       const std::optional<at::Tensor>& attn_mask, double dropout_p) {
  TORCH_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3,
              "multi_head_attention: query, key and value must be 3-d");
  const int64_t tgt_len = q.size(0), bsz = q.size(1), embed = q.size(2), src_len = k.size(0);
  TORCH_CHECK(heads > 0 && embed % heads == 0, "multi_head_attention: embed_dim ", embed,
              " is not divisible by num_heads ", heads);
  const int64_t hd = embed / heads;
  auto w = in_w.chunk(3);
  std::vector<at::Tensor> b(3);
  if (in_b) b = in_b->chunk(3);
  auto proj = [&](const at::Tensor& x, int i) {
    return at::linear(x, w[i], in_b ? std::optional<at::Tensor>(b[i]) : std::nullopt);
  };
  q = proj(q, 0), k = proj(k, 1), v = proj(v, 2);

  std::optional<at::Tensor> mask;
  if (attn_mask) {
    auto m = additive_mask(*attn_mask, q.options());
    if (m.dim() == 2) {
      TORCH_CHECK(m.size(0) == tgt_len && m.size(1) == src_len,
                  "multi_head_attention: 2-d attn_mask must be [L, S]");
      m = m.view({1, 1, tgt_len, src_len});
    } else {
      TORCH_CHECK(m.dim() == 3 && m.size(0) == bsz * heads,
                  "multi_head_attention: 3-d attn_mask must be [N * num_heads, L, S]");
      m = m.view({bsz, heads, tgt_len, src_len});
    }
    mask = m;
  }
  if (key_padding_mask) {
    TORCH_CHECK(key_padding_mask->dim() == 2 && key_padding_mask->size(0) == bsz &&
                    key_padding_mask->size(1) == src_len,
                "multi_head_attention: key_padding_mask must be [N, S]");
    auto m = additive_mask(*key_padding_mask, q.options()).view({bsz, 1, 1, src_len});
    mask = mask ? *mask + m : m;
  }
  auto split = [&](const at::Tensor& x, int64_t len) {
    return x.reshape({len, bsz * heads, hd}).transpose(0, 1).view({bsz, heads, len, hd});
  };
  auto y = at::scaled_dot_product_attention(split(q, tgt_len), split(k, src_len),
                                            split(v, src_len), mask, dropout_p, false);
  y = y.permute({2, 0, 1, 3}).contiguous().view({bsz * tgt_len, embed});
  return at::linear(y, out_w, out_b).view({tgt_len, bsz, embed});
}

extern "C" {

rs_status rs_scaled_dot_product_attention(rs_tensor* out, rs_tensor q, rs_tensor k, rs_tensor v,
                                          rs_tensor mask, double dropout_p, int32_t is_causal,
                                          double scale, int32_t has_scale) {
  RS_RETURN_TENSOR(at::scaled_dot_product_attention(
      T(q), T(k), T(v), rs::opt(mask), dropout_p, is_causal != 0,
      has_scale ? std::optional<double>(scale) : std::nullopt));
}

rs_status rs_multi_head_attention(rs_tensor* out, rs_tensor q, rs_tensor k, rs_tensor v,
                                  int64_t num_heads, rs_tensor in_proj_weight,
                                  rs_tensor in_proj_bias, rs_tensor out_proj_weight,
                                  rs_tensor out_proj_bias, rs_tensor key_padding_mask,
                                  rs_tensor attn_mask, double dropout_p, int32_t training,
                                  int32_t batch_first) {
  RS_GUARD({
    auto tq = T(q), tk = T(k), tv = T(v);
    if (batch_first) tq = tq.transpose(0, 1), tk = tk.transpose(0, 1), tv = tv.transpose(0, 1);
    auto y = multi_head_attention(tq, tk, tv, num_heads, T(in_proj_weight), rs::opt(in_proj_bias),
                                  T(out_proj_weight), rs::opt(out_proj_bias),
                                  rs::opt(key_padding_mask), rs::opt(attn_mask),
                                  training ? dropout_p : 0.0);
    *out = rs::wrap(batch_first ? y.transpose(0, 1) : y);
  })
}

}  // extern "C"
