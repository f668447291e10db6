// CTorch nn: stateless neural-network functions (torch.nn.functional) and parameter init.
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Loss reductions; the codes are at::Reduction's.
typedef enum { RS_REDUCTION_NONE = 0, RS_REDUCTION_MEAN = 1, RS_REDUCTION_SUM = 2 } rs_reduction;

// --- linear and convolution ----------------------------------------------------------------
/// y = x wᵀ + b; `b` may be NULL.
rs_status rs_linear(rs_tensor* out, rs_tensor x, rs_tensor w, rs_tensor b);
/// The graph of rs_linear without its values: a tensor of the product's shape (and autocast's
/// dtype) whose contents are undefined, whose gradients are the product's. For the last product
/// of a checkpoint's recomputation, whose result only carries gradients back. Computes the
/// product when no graph is recorded.
rs_status rs_linear_backward_only(rs_tensor* out, rs_tensor x, rs_tensor w, rs_tensor b);

/// Padding modes of rs_conv: explicit sizes, "same" or "valid".
typedef enum { RS_CONV_PAD_EXPLICIT = 0, RS_CONV_PAD_SAME = 1, RS_CONV_PAD_VALID = 2 } rs_conv_padding;

/// N-d convolution with `nspatial` (1 or 2) spatial dims; stride/padding/dilation have
/// `nspatial` entries (`padding` is ignored unless `padding_mode` is explicit); `b` may be NULL.
rs_status rs_conv(rs_tensor* out, rs_tensor x, rs_tensor w, rs_tensor b, int64_t nspatial,
                  const int64_t* stride, const int64_t* padding, const int64_t* dilation,
                  int64_t groups, rs_conv_padding padding_mode);

// --- normalisation -------------------------------------------------------------------------
rs_status rs_layer_norm(rs_tensor* out, rs_tensor x, const int64_t* normalized_shape, int64_t n,
                        rs_tensor w, rs_tensor b, double eps);
/// Batch norm; in training with running stats given, they are updated in place with `momentum`.
rs_status rs_batch_norm(rs_tensor* out, rs_tensor x, rs_tensor w, rs_tensor b,
                        rs_tensor running_mean, rs_tensor running_var, int32_t training,
                        double momentum, double eps);
rs_status rs_group_norm(rs_tensor* out, rs_tensor x, int64_t groups, rs_tensor w, rs_tensor b,
                        double eps);
rs_status rs_instance_norm(rs_tensor* out, rs_tensor x, rs_tensor w, rs_tensor b,
                           rs_tensor running_mean, rs_tensor running_var,
                           int32_t use_input_stats, double momentum, double eps);

// --- activations, dropout ------------------------------------------------------------------
/// softmax (or log_softmax when `log`) over `dim`; dtype < 0 keeps the input dtype.
rs_status rs_softmax(rs_tensor* out, rs_tensor x, int64_t dim, int32_t dtype, int32_t log);
rs_status rs_dropout(rs_tensor* out, rs_tensor x, double p, int32_t training);
/// Stochastic depth per sample (torchvision stochastic_depth, mode "row").
rs_status rs_drop_path(rs_tensor* out, rs_tensor x, double p, int32_t training);

// --- fused blocks --------------------------------------------------------------------------
/// torchvision's ConvNeXt block (CNBlock): x + drop_path(γ ⊙ Linear(GELU(Linear(LayerNorm(
/// dwconv(x)))))), for x [B, C, H, W]; `gamma` is [C, 1, 1]. Where a graph is recorded (and
/// autocast is off) it is one autograd node that keeps x and the 4C-wide hidden layer only and
/// recomputes the rest in backward; otherwise it runs the separate operations.
rs_status rs_convnext_block(rs_tensor* out, rs_tensor x, rs_tensor dw_w, rs_tensor dw_b, rs_tensor ln_w,
                            rs_tensor ln_b, double eps, rs_tensor w1, rs_tensor b1, rs_tensor w2, rs_tensor b2,
                            rs_tensor gamma, double drop_path, int32_t training);

// --- resampling and padding ----------------------------------------------------------------
typedef enum { RS_INTERP_NEAREST = 0, RS_INTERP_BILINEAR = 1, RS_INTERP_BICUBIC = 2 } rs_interp_mode;
/// F.interpolate on [N, C, H, W]: `size` (2 entries) or `scale` (2 entries) is NULL.
rs_status rs_interpolate(rs_tensor* out, rs_tensor x, rs_interp_mode mode, const int64_t* size,
                         const double* scale, int32_t align_corners);
/// pixel_shuffle, or pixel_unshuffle when `inverse`.
rs_status rs_pixel_shuffle(rs_tensor* out, rs_tensor x, int64_t factor, int32_t inverse);
typedef enum { RS_PAD_CONSTANT = 0, RS_PAD_REFLECT = 1, RS_PAD_REPLICATE = 2, RS_PAD_CIRCULAR = 3 } rs_pad_mode;
/// F.pad: `pad` lists (before, after) pairs starting from the last dimension.
rs_status rs_pad(rs_tensor* out, rs_tensor x, const int64_t* pad, int64_t n, rs_pad_mode mode,
                 double value);

// --- pooling -------------------------------------------------------------------------------
typedef enum { RS_POOL_MAX = 0, RS_POOL_AVG = 1 } rs_pool_kind;
/// 2-d pooling; kernel/stride/padding/dilation have 2 entries (dilation: max only).
rs_status rs_pool2d(rs_tensor* out, rs_tensor x, rs_pool_kind kind, const int64_t* kernel,
                    const int64_t* stride, const int64_t* padding, const int64_t* dilation,
                    int32_t ceil_mode, int32_t count_include_pad);
rs_status rs_adaptive_pool2d(rs_tensor* out, rs_tensor x, rs_pool_kind kind, const int64_t* size);

// --- attention -----------------------------------------------------------------------------
/// F.scaled_dot_product_attention; `mask` may be NULL; `has_scale` = 0 uses 1/sqrt(E).
rs_status rs_scaled_dot_product_attention(rs_tensor* out, rs_tensor q, rs_tensor k, rs_tensor v,
                                          rs_tensor mask, double dropout_p, int32_t is_causal,
                                          double scale, int32_t has_scale);
/// nn.MultiheadAttention's forward without attention weights (inputs [L, N, E] or, with
/// `batch_first`, [N, L, E]); masks and biases may be NULL.
rs_status rs_multi_head_attention(rs_tensor* out, rs_tensor q, rs_tensor k, rs_tensor v,
                                  int64_t num_heads, rs_tensor in_proj_weight,
                                  rs_tensor in_proj_bias, rs_tensor out_proj_weight,
                                  rs_tensor out_proj_bias, rs_tensor key_padding_mask,
                                  rs_tensor attn_mask, double dropout_p, int32_t training,
                                  int32_t batch_first);
/// Swin's window attention before proj: for every window and head, softmax(scale·q·kᵀ + bias +
/// mask)·v, from qkv [W, n, 3C] (q, k, v each [n, heads, C/heads]) to [W, n, C]; bias
/// [heads, n, n]; mask [M, n, n] added to window w as block w % M (W a multiple of M), or NULL.
/// On the CPU in float32 the weights are one pass each way, and the products one batched MKL
/// call each where libtorch's products are MKL's (nn_window_attention.cpp).
rs_status rs_window_attention(rs_tensor* out, rs_tensor qkv, rs_tensor bias, rs_tensor mask, int64_t heads,
                              double scale);

// --- losses and encodings ------------------------------------------------------------------
rs_status rs_cross_entropy(rs_tensor* out, rs_tensor x, rs_tensor target, rs_tensor weight,
                           rs_reduction reduction, int64_t ignore_index, double label_smoothing);
rs_status rs_nll_loss(rs_tensor* out, rs_tensor x, rs_tensor target, rs_tensor weight,
                      rs_reduction reduction, int64_t ignore_index);
rs_status rs_bce_with_logits(rs_tensor* out, rs_tensor x, rs_tensor target, rs_tensor weight,
                             rs_tensor pos_weight, rs_reduction reduction);
rs_status rs_one_hot(rs_tensor* out, rs_tensor x, int64_t num_classes);
/// padding_idx < 0: none.
rs_status rs_embedding(rs_tensor* out, rs_tensor weight, rs_tensor indices, int64_t padding_idx);
rs_status rs_normalize(rs_tensor* out, rs_tensor x, double p, int64_t dim, double eps);
rs_status rs_cosine_similarity(rs_tensor* out, rs_tensor a, rs_tensor b, int64_t dim, double eps);

// --- initialisation (in place, without recording autograd) ---------------------------------
typedef enum {
  RS_INIT_UNIFORM = 0,       ///< uniform in [a, b)
  RS_INIT_NORMAL = 1,        ///< normal(mean a, std b)
  RS_INIT_TRUNC_NORMAL = 2,  ///< normal(mean a, std b) truncated to [c, d] (timm's method)
  RS_INIT_CONSTANT = 3,      ///< every element = a
} rs_init_kind;
rs_status rs_init_(rs_tensor t, rs_init_kind kind, double a, double b, double c, double d);

#ifdef __cplusplus
}
#endif
