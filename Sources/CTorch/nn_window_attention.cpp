// Swin's window attention on the CPU in float32: for each window and head,
// softmax(scale·q·kᵀ + bias + mask)·v, read from and written to the token-major layouts that qkv
// and proj use.
//
// As the official code writes it (q·scale, q·kᵀ, + bias, + mask, softmax, ·v, and the heads put
// back together), each step reads and writes a tensor of the scores' size, and the products
// need q, k and v copied out of qkv's rows and the result copied back into rows: in LAVT's
// training step at 480² on 2 AVX2 cores the steps around the products took about 1.2 s of 19,
// and the products ran at 50–65 GFLOP/s. Here:
// - the weights are one pass (softmax with the scale, bias and mask folded in), and so is their
//   gradient, which adds up the bias gradient over the windows as it goes;
// - where libtorch's float32 products are MKL's (CPUs whose float32 products do not go to
//   oneDNN, see products.cpp), the products of all windows and heads are one MKL batched call
//   each, straight from qkv's rows into the result's rows (79–89 GFLOP/s on stage 3's windows,
//   and no copies); elsewhere they are rs::matmul's.
// The attention of LAVT's 24 blocks (forward, recomputation and backward, timed alone, best of 5)
// went from 2.9–3.1 s to 2.1–2.5 s a step.
// exp is libtorch's own softmax's (Vectorized<float>::exp_u20, relative error about 1e-6),
// written out for AVX2 here since this file is compiled for the baseline CPU; CPUs without AVX2
// get libtorch's operations.
#ifndef NDEBUG
#define NDEBUG
#endif
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/record_function.h>
#include <dlfcn.h>
#include <immintrin.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>
#include <limits>

#include "shim.hpp"

using rs::data;
using rs::mutable_data;
using rs::T;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

/// The operands' sizes: `windows` score blocks of `heads` × n × n; window w takes mask block
/// w % mask_windows (0: no mask).
struct Sizes {
  int64_t windows, heads, n, mask_windows;
};

Sizes sizes_of_scores(const at::Tensor& scores, const std::optional<at::Tensor>& mask) {
  return {scores.size(0), scores.size(1), scores.size(2), mask ? mask->size(0) : 0};
}

/// qkv [windows, n, 3C] with `heads` heads.
Sizes sizes_of_qkv(const at::Tensor& qkv, int64_t heads, const std::optional<at::Tensor>& mask) {
  return {qkv.size(0), heads, qkv.size(1), mask ? mask->size(0) : 0};
}

/// e^x in 8 lanes as libtorch's Vectorized<float>::exp_u20 (vec256_float.h): x = n·ln 2 + r,
/// e^r by a degree-5 polynomial, 2^n from the exponent bits; 0 below ln(FLT_MIN).
__attribute__((target("avx2,fma"))) inline __m256 exp_avx2(__m256 x) {
  const __m256 ln_min = _mm256_castsi256_ps(_mm256_set1_epi32(0xc2aeac50));
  const __m256 ln_max = _mm256_castsi256_ps(_mm256_set1_epi32(0x42b17218));
  const __m256 below = _mm256_cmp_ps(x, ln_min, _CMP_LT_OS);
  x = _mm256_max_ps(_mm256_min_ps(x, ln_max), ln_min);
  const __m256 n = _mm256_floor_ps(
      _mm256_fmadd_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x3fb8aa3b)), _mm256_set1_ps(0.5f)));
  const __m256 r = _mm256_fnmadd_ps(n, _mm256_castsi256_ps(_mm256_set1_epi32(0x3f317218)), x);
  __m256 y = _mm256_fmadd_ps(r, _mm256_set1_ps(0.00828929059f), _mm256_set1_ps(0.0418978221f));
  y = _mm256_fmadd_ps(r, y, _mm256_set1_ps(0.166676521f));
  y = _mm256_fmadd_ps(r, y, _mm256_set1_ps(0.499991506f));
  y = _mm256_fmadd_ps(r, y, _mm256_set1_ps(0.999999701f));
  y = _mm256_fmadd_ps(r, y, _mm256_set1_ps(1.0f));
  // 2^(n−1)·2, as libtorch, so that n = 128 does not overflow the exponent.
  const __m256i bits = _mm256_slli_epi32(
      _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_sub_ps(n, _mm256_set1_ps(1.0f))), _mm256_set1_epi32(127)), 23);
  const __m256 power = _mm256_blendv_ps(_mm256_castsi256_ps(bits), _mm256_setzero_ps(), below);
  return _mm256_mul_ps(_mm256_mul_ps(y, power), _mm256_set1_ps(2.0f));
}

__attribute__((target("avx2,fma"))) float horizontal_max(__m256 v) {
  __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_max_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_max_ss(x, _mm_movehdup_ps(x)));
}

__attribute__((target("avx2,fma"))) float horizontal_sum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)));
}

/// p = softmax(scale·s + b + m) for one row of n (m may be null).
__attribute__((target("avx2,fma"))) void weights_row(const float* s, const float* b, const float* m, float* p,
                                                          int64_t n, float scale) {
  const __m256 factor = _mm256_set1_ps(scale);
  __m256 lanes_max = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  float max = -std::numeric_limits<float>::infinity();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256 x = _mm256_fmadd_ps(_mm256_loadu_ps(s + j), factor, _mm256_loadu_ps(b + j));
    if (m) x = _mm256_add_ps(x, _mm256_loadu_ps(m + j));
    _mm256_storeu_ps(p + j, x);
    lanes_max = _mm256_max_ps(lanes_max, x);
  }
  for (int64_t k = j; k < n; ++k) {
    p[k] = s[k] * scale + b[k] + (m ? m[k] : 0.0f);
    max = std::max(max, p[k]);
  }
  max = std::max(max, horizontal_max(lanes_max));
  const __m256 shift = _mm256_set1_ps(max);
  __m256 lanes_sum = _mm256_setzero_ps();
  for (j = 0; j + 8 <= n; j += 8) {
    const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(p + j), shift));
    _mm256_storeu_ps(p + j, e);
    lanes_sum = _mm256_add_ps(lanes_sum, e);
  }
  float sum = 0;
  for (int64_t k = j; k < n; ++k) sum += (p[k] = std::exp(p[k] - max));
  const float inverse = 1 / (sum + horizontal_sum(lanes_sum));
  const __m256 factor_out = _mm256_set1_ps(inverse);
  for (j = 0; j + 8 <= n; j += 8) _mm256_storeu_ps(p + j, _mm256_mul_ps(_mm256_loadu_ps(p + j), factor_out));
  for (int64_t k = j; k < n; ++k) p[k] *= inverse;
}

/// For one row: g = p ⊙ (dp − ⟨p, dp⟩), the gradient of scale·s + b + m; ds = scale·g, and
/// db += g where db is not null.
__attribute__((target("avx2,fma"))) void gradient_row(const float* p, const float* dp, float* ds, float* db,
                                                           int64_t n, float scale) {
  __m256 lanes_dot = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) lanes_dot = _mm256_fmadd_ps(_mm256_loadu_ps(p + j), _mm256_loadu_ps(dp + j), lanes_dot);
  float dot = 0;
  for (int64_t k = j; k < n; ++k) dot += p[k] * dp[k];
  dot += horizontal_sum(lanes_dot);
  const __m256 shift = _mm256_set1_ps(dot), factor = _mm256_set1_ps(scale);
  for (j = 0; j + 8 <= n; j += 8) {
    const __m256 g = _mm256_mul_ps(_mm256_loadu_ps(p + j), _mm256_sub_ps(_mm256_loadu_ps(dp + j), shift));
    _mm256_storeu_ps(ds + j, _mm256_mul_ps(g, factor));
    if (db) _mm256_storeu_ps(db + j, _mm256_add_ps(_mm256_loadu_ps(db + j), g));
  }
  for (int64_t k = j; k < n; ++k) {
    const float g = p[k] * (dp[k] - dot);
    ds[k] = g * scale;
    if (db) db[k] += g;
  }
}

/// The weights into `p` (which may be `scores` itself: each row is read before it is written),
/// rows split among the threads.
void weights_into(at::Tensor& p, const at::Tensor& scores, const at::Tensor& bias,
                  const std::optional<at::Tensor>& mask, const Sizes& z, float scale) {
  RECORD_FUNCTION("rsseg::window_softmax", std::vector<c10::IValue>({scores}));
  const float *s = data(scores), *b = data(bias), *m = mask ? data(*mask) : nullptr;
  float* out = mutable_data(p);
  at::parallel_for(0, z.windows * z.heads * z.n, 64, [&](int64_t first, int64_t last) {
    for (int64_t row = first; row < last; ++row) {
      const int64_t w = row / (z.heads * z.n), within = row % (z.heads * z.n), i = row % z.n;
      const float* row_mask = m ? m + ((w % z.mask_windows) * z.n + i) * z.n : nullptr;
      const int64_t at = row * z.n;
      weights_row(s + at, b + within * z.n, row_mask, out + at, z.n, scale);
    }
  });
}

/// The weights in a new tensor.
at::Tensor weights(const at::Tensor& scores, const at::Tensor& bias, const std::optional<at::Tensor>& mask,
                   const Sizes& z, float scale) {
  auto p = at::empty_like(scores);
  weights_into(p, scores, bias, mask, z, scale);
  return p;
}

/// The scores' gradient into `ds` (which may be `dp` itself) and, when `bias_gradient`, the
/// bias's. The rows are walked in memory order, one window and head (n × n) at a time; each thread
/// adds its bias gradient into its own [heads, n, n] sum (walking one bias row through all the
/// windows instead strides a megabyte from row to row, and measured slower than libtorch's three
/// passes).
at::Tensor gradients(const at::Tensor& p, const at::Tensor& dp, at::Tensor& ds, const Sizes& z, float scale,
                     bool bias_gradient) {
  RECORD_FUNCTION("rsseg::window_softmax_backward", std::vector<c10::IValue>({p, dp}));
  const int64_t blocks = z.windows * z.heads, block = z.n * z.n;
  auto sums = bias_gradient ? at::zeros({at::get_num_threads(), z.heads, z.n, z.n}, p.options()) : at::Tensor();
  const float *pp = data(p), *g = data(dp);
  float *out = mutable_data(ds), *sums_out = bias_gradient ? mutable_data(sums) : nullptr;
  at::parallel_for(0, blocks, 1, [&](int64_t first, int64_t last) {
    float* own = sums_out ? sums_out + at::get_thread_num() * z.heads * block : nullptr;
    for (int64_t k = first; k < last; ++k) {
      float* bias_block = own ? own + (k % z.heads) * block : nullptr;
      for (int64_t i = 0; i < z.n; ++i) {
        const int64_t at = k * block + i * z.n;
        gradient_row(pp + at, g + at, out + at, bias_block ? bias_block + i * z.n : nullptr, z.n, scale);
      }
    }
  });
  return bias_gradient ? sums.sum(0) : at::Tensor();
}

/// Whether this file's kernels take these operands: float32 contiguous CPU tensors on an AVX2 CPU.
bool on_kernels(const at::Tensor& scores, const at::Tensor& bias, const std::optional<at::Tensor>& mask) {
  auto cpu_float = [](const at::Tensor& t) { return t.is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous(); };
  return rs::simd_level() != rs::SimdLevel::baseline && cpu_float(scores) && cpu_float(bias) &&
         (!mask || cpu_float(*mask)) && scores.numel() > 0;
}

struct WindowSoftmaxFunction : public torch::autograd::Function<WindowSoftmaxFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& scores, const at::Tensor& bias,
                            const std::optional<at::Tensor>& mask, double scale) {
    auto p = weights(scores, bias, mask, sizes_of_scores(scores, mask), (float)scale);
    ctx->save_for_backward({p});
    ctx->saved_data["scale"] = scale;
    return p;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    TORCH_CHECK(!c10::GradMode::is_enabled(), "window attention: no double backward");
    auto p = ctx->get_saved_variables()[0];
    auto ds = at::empty_like(p);
    auto db = gradients(p, grads[0].contiguous(), ds, sizes_of_scores(p, std::nullopt), (float)ctx->saved_data["scale"].toDouble(),
                        ctx->needs_input_grad(1));
    return {ds, db, at::Tensor(), at::Tensor()};
  }
};

/// softmax(scale·scores + bias + mask) over the last dimension; scores [W, heads, n, n], bias
/// [heads, n, n], mask [M, n, n] for window w % M or none. One pass each way where
/// on_kernels, libtorch's operations otherwise (other devices and types, autocast).
at::Tensor window_softmax(const at::Tensor& scores, const at::Tensor& bias, const std::optional<at::Tensor>& mask,
                          double scale) {
  if (on_kernels(scores, bias, mask)) {
    if (c10::GradMode::is_enabled() && (scores.requires_grad() || bias.requires_grad()))
      return WindowSoftmaxFunction::apply(scores, bias, mask, scale);
    return weights(scores, bias, mask, sizes_of_scores(scores, mask), (float)scale);
  }
  auto z = scores * scale + bias;
  if (mask) {
    const int64_t windows = mask->size(0);
    z = (z.view({-1, windows, z.size(1), z.size(2), z.size(3)}) + mask->unsqueeze(1)).view(scores.sizes());
  }
  return at::softmax(z, -1);
}

/// Attention as libtorch's operations, around window_softmax (see rs_window_attention).
at::Tensor composed_attention(const at::Tensor& qkv, const at::Tensor& bias, const std::optional<at::Tensor>& mask,
                              int64_t heads, double scale) {
  const int64_t windows = qkv.size(0), n = qkv.size(1), c = qkv.size(2) / 3;
  // unbind, not three selects: its gradient is one stack, where each select's zero-fills all of qkv.
  auto parts = qkv.view({windows, n, 3, heads, c / heads}).permute({2, 0, 3, 1, 4}).unbind(0);
  auto p = window_softmax(rs::matmul(parts[0], parts[1].transpose(-2, -1)), bias, mask, scale);
  return rs::matmul(p, parts[2]).transpose(1, 2).reshape({windows, n, c});
}

/// MKL's cblas_sgemm_batch (LP64), which libtorch's CPU library exports, or nullptr.
using BatchedProduct = void (*)(int layout, const int* trans_a, const int* trans_b, const int* m, const int* n,
                                const int* k, const float* alpha, const float** a, const int* lda, const float** b,
                                const int* ldb, const float* beta, float** c, const int* ldc, int groups,
                                const int* group_sizes);
BatchedProduct batched_product() {
  static const auto found = reinterpret_cast<BatchedProduct>(dlsym(RTLD_DEFAULT, "cblas_sgemm_batch"));
  return found;
}

/// One operand of every window and head: row-major blocks at `base` + window·window_stride +
/// head·head_offset, rows `ld` apart.
struct Blocks {
  float* base;
  int64_t window_stride, head_offset;
  int ld;
};

/// Head columns of part `part` (q 0, k 1, v 2) of rows [windows, n, parts·C].
Blocks head_columns(const float* base, const Sizes& z, int64_t c, int parts, int part) {
  return {const_cast<float*>(base) + part * c, z.n * parts * c, c / z.heads, (int)(parts * c)};
}

/// The n × n blocks of [windows, heads, n, n].
Blocks squares(const float* base, const Sizes& z) {
  return {const_cast<float*>(base), z.heads * z.n * z.n, z.n * z.n, (int)z.n};
}

/// C_i = op(A_i)·op(B_i) (m × k times k × n) for the windows × heads blocks i, in one MKL call.
void products(const Sizes& z, bool trans_a, bool trans_b, int m, int n, int k, const Blocks& a, const Blocks& b,
              const Blocks& c) {
  const int count = (int)(z.windows * z.heads);
  std::vector<const float*> as(count), bs(count);
  std::vector<float*> cs(count);
  for (int64_t w = 0; w < z.windows; ++w)
    for (int64_t h = 0; h < z.heads; ++h) {
      const int64_t i = w * z.heads + h;
      as[i] = a.base + w * a.window_stride + h * a.head_offset;
      bs[i] = b.base + w * b.window_stride + h * b.head_offset;
      cs[i] = c.base + w * c.window_stride + h * c.head_offset;
    }
  constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
  const int ta = trans_a ? kTrans : kNoTrans, tb = trans_b ? kTrans : kNoTrans;
  const float one = 1, zero = 0;
  batched_product()(kRowMajor, &ta, &tb, &m, &n, &k, &one, as.data(), &a.ld, bs.data(), &b.ld, &zero, cs.data(),
                    &c.ld, 1, &count);
}

/// The attention's result [windows, n, C] and its weights [windows, heads, n, n], the products
/// batched.
std::pair<at::Tensor, at::Tensor> batched_attention(const at::Tensor& qkv, const at::Tensor& bias,
                                                    const std::optional<at::Tensor>& mask, int64_t heads,
                                                    double scale) {
  RECORD_FUNCTION(rs::kWindowAttention, std::vector<c10::IValue>({qkv}));
  const auto z = sizes_of_qkv(qkv, heads, mask);
  const int64_t c = qkv.size(2) / 3;
  const int n = (int)z.n, d = (int)(c / heads);
  const float* x = data(qkv);
  auto p = at::empty({z.windows, heads, z.n, z.n}, qkv.options());  // the scores, then their weights
  products(z, false, true, n, n, d, head_columns(x, z, c, 3, 0), head_columns(x, z, c, 3, 1), squares(data(p), z));
  weights_into(p, p, bias, mask, z, (float)scale);
  auto out = at::empty({z.windows, z.n, c}, qkv.options());
  products(z, false, false, n, d, n, squares(data(p), z), head_columns(x, z, c, 3, 2), head_columns(data(out), z, c, 1, 0));
  return {out, p};
}

/// The gradients of qkv and (when `bias_gradient`) of the bias from the result's gradient.
std::pair<at::Tensor, at::Tensor> batched_attention_backward(const at::Tensor& qkv, const at::Tensor& p,
                                                             const at::Tensor& grad, int64_t heads, double scale,
                                                             bool bias_gradient) {
  RECORD_FUNCTION(rs::kWindowAttentionBackward, std::vector<c10::IValue>({qkv}));
  const auto z = sizes_of_qkv(qkv, heads, std::nullopt);
  const int64_t c = qkv.size(2) / 3;
  const int n = (int)z.n, d = (int)(c / heads);
  const float* x = data(qkv);
  const auto g = grad.contiguous();
  auto dqkv = at::empty_like(qkv);
  // dv = pᵀ·g, dp = g·vᵀ, then dp becomes the scores' gradient ds in place; dq = ds·k, dk = dsᵀ·q.
  products(z, true, false, n, d, n, squares(data(p), z), head_columns(data(g), z, c, 1, 0),
           head_columns(data(dqkv), z, c, 3, 2));
  auto dp = at::empty_like(p);
  products(z, false, true, n, n, d, head_columns(data(g), z, c, 1, 0), head_columns(x, z, c, 3, 2), squares(data(dp), z));
  auto db = gradients(p, dp, dp, z, (float)scale, bias_gradient);
  products(z, false, false, n, d, n, squares(data(dp), z), head_columns(x, z, c, 3, 1), head_columns(data(dqkv), z, c, 3, 0));
  products(z, true, false, n, d, n, squares(data(dp), z), head_columns(x, z, c, 3, 0), head_columns(data(dqkv), z, c, 3, 1));
  return {dqkv, db};
}

struct WindowAttentionFunction : public torch::autograd::Function<WindowAttentionFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& qkv, const at::Tensor& bias,
                            const std::optional<at::Tensor>& mask, int64_t heads, double scale) {
    auto [out, p] = batched_attention(qkv, bias, mask, heads, scale);
    ctx->save_for_backward({qkv, p});
    ctx->saved_data["heads"] = heads;
    ctx->saved_data["scale"] = scale;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    TORCH_CHECK(!c10::GradMode::is_enabled(), "window attention: no double backward");
    auto saved = ctx->get_saved_variables();
    auto [dqkv, db] = batched_attention_backward(saved[0], saved[1], grads[0], ctx->saved_data["heads"].toInt(),
                                                 ctx->saved_data["scale"].toDouble(), ctx->needs_input_grad(1));
    return {dqkv, db, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

/// Whether the products are batched here: float32 outside autocast where libtorch's float32
/// products are MKL's anyway (where they go to oneDNN, rs::matmul's batched products measured
/// 92–144 GFLOP/s on 2 AVX-512 cores, and MKL's batched call has not been measured there).
bool batched(const at::Tensor& qkv, const at::Tensor& bias, const std::optional<at::Tensor>& mask) {
  return on_kernels(qkv, bias, mask) && batched_product() != nullptr && !rs_cpu_products_on_onednn() &&
         !at::autocast::is_autocast_enabled(at::kCPU);
}

}  // namespace

extern "C" {

rs_status rs_window_attention(rs_tensor* out, rs_tensor qkv, rs_tensor bias, rs_tensor mask, int64_t heads,
                              double scale) {
  RS_GUARD({
    const auto &x = T(qkv), &b = T(bias);
    const auto m = rs::opt(mask);
    TORCH_CHECK(heads > 0 && x.dim() == 3 && x.size(2) % (3 * heads) == 0,
                "window attention: qkv must be [windows, n, 3·C] with C a multiple of the ", heads, " heads, got ",
                x.sizes());
    const int64_t n = x.size(1);
    TORCH_CHECK(b.dim() == 3 && b.size(0) == heads && b.size(1) == n && b.size(2) == n, "window attention: bias ",
                b.sizes(), " does not fit ", heads, " heads of ", n, " tokens");
    TORCH_CHECK(!m || (m->dim() == 3 && m->size(0) > 0 && x.size(0) % m->size(0) == 0 && m->size(1) == n &&
                       m->size(2) == n),
                "window attention: mask ", m ? m->sizes() : at::IntArrayRef(), " does not fit ", x.size(0),
                " windows of ", n, " tokens");
    if (!batched(x, b, m))
      *out = rs::wrap(composed_attention(x, b, m, heads, scale));
    else if (c10::GradMode::is_enabled() && (x.requires_grad() || b.requires_grad()))
      *out = rs::wrap(WindowAttentionFunction::apply(x, b, m, heads, scale));
    else
      *out = rs::wrap(batched_attention(x, b, m, heads, scale).first);
  })
}

}  // extern "C"
