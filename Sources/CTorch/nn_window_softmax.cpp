// Swin's window-attention weights, softmax(scale·S + bias + mask) over the last dimension, and
// their gradient: one pass each way on the CPU in float32.
//
// As the official code's separate operations (q·scale, + bias, + mask, softmax, and the bias
// gradient's sum over windows) each one reads and writes a tensor of the scores' size; in LAVT's
// training step at 480² they took about 1.1 s of 17 on 2 AVX2 cores. Here the forward reads the
// scores once and writes the weights once; the backward reads the weights and their gradient
// once, writes the scores' gradient and adds up the bias gradient over the windows as it goes.
// exp is libtorch's own softmax's (Vectorized<float>::exp_u20, relative error about 1e-6),
// written out for AVX2 here since this file is compiled for the baseline CPU; CPUs without AVX2
// get libtorch's operations.
#ifndef NDEBUG
#define NDEBUG
#endif
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <immintrin.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>
#include <limits>

#include "shim.hpp"

using rs::T;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

/// The operands' sizes: `windows` score blocks of `heads` × n × n; window w takes mask block
/// w % mask_windows (0: no mask).
struct Sizes {
  int64_t windows, heads, n, mask_windows;
};

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

const float* data(const at::Tensor& t) { return static_cast<const float*>(t.data_ptr()); }
float* mutable_data(at::Tensor& t) { return static_cast<float*>(t.data_ptr()); }

/// The weights, rows split among the threads.
at::Tensor weights(const at::Tensor& scores, const at::Tensor& bias, const std::optional<at::Tensor>& mask,
                   const Sizes& z, float scale) {
  RECORD_FUNCTION("rsseg::window_softmax", std::vector<c10::IValue>({scores}));
  auto p = at::empty_like(scores);
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
  return p;
}

/// The scores' gradient and, when `bias_gradient`, the bias's. The rows are walked in memory
/// order, one window and head (n × n) at a time; each thread adds its bias gradient into its own
/// [heads, n, n] sum (walking one bias row through all the windows instead strides a megabyte
/// from row to row, and measured slower than libtorch's three passes).
std::pair<at::Tensor, at::Tensor> gradients(const at::Tensor& p, const at::Tensor& dp, const Sizes& z, float scale,
                                            bool bias_gradient) {
  RECORD_FUNCTION("rsseg::window_softmax_backward", std::vector<c10::IValue>({p, dp}));
  auto ds = at::empty_like(p);
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
        float* bias_row = bias_block ? bias_block + i * z.n : nullptr;
        gradient_row(pp + at, g + at, out + at, bias_row, z.n, scale);
      }
    }
  });
  return {ds, bias_gradient ? sums.sum(0) : at::Tensor()};
}

Sizes sizes_of(const at::Tensor& scores, const std::optional<at::Tensor>& mask) {
  return {scores.size(0), scores.size(1), scores.size(2), mask ? mask->size(0) : 0};
}

struct WindowSoftmaxFunction : public torch::autograd::Function<WindowSoftmaxFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& scores, const at::Tensor& bias,
                            const std::optional<at::Tensor>& mask, double scale) {
    auto p = weights(scores, bias, mask, sizes_of(scores, mask), (float)scale);
    ctx->save_for_backward({p});
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["mask_windows"] = mask ? mask->size(0) : 0;
    return p;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    TORCH_CHECK(!c10::GradMode::is_enabled(), "window_softmax: no double backward");
    auto p = ctx->get_saved_variables()[0];
    const Sizes z{p.size(0), p.size(1), p.size(2), ctx->saved_data["mask_windows"].toInt()};
    auto [ds, db] = gradients(p, grads[0].contiguous(), z, (float)ctx->saved_data["scale"].toDouble(),
                              ctx->needs_input_grad(1));
    return {ds, db, at::Tensor(), at::Tensor()};
  }
};

/// The same weights by libtorch's operations (other devices and types, autocast, CPUs without AVX2).
at::Tensor composed(const at::Tensor& scores, const at::Tensor& bias, const std::optional<at::Tensor>& mask,
                    double scale) {
  auto z = scores * scale + bias;
  if (mask) {
    const int64_t windows = mask->size(0);
    z = (z.view({-1, windows, z.size(1), z.size(2), z.size(3)}) + mask->unsqueeze(1)).view(scores.sizes());
  }
  return at::softmax(z, -1);
}

bool ours(const at::Tensor& scores, const at::Tensor& bias, const std::optional<at::Tensor>& mask) {
  auto cpu_float = [](const at::Tensor& t) { return t.is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous(); };
  return rs::simd_level() != rs::SimdLevel::baseline && cpu_float(scores) && cpu_float(bias) &&
         (!mask || cpu_float(*mask)) && scores.numel() > 0;
}

}  // namespace

extern "C" {

rs_status rs_window_softmax(rs_tensor* out, rs_tensor scores, rs_tensor bias, rs_tensor mask, double scale) {
  RS_GUARD({
    const auto &s = T(scores), &b = T(bias);
    const auto m = rs::opt(mask);
    TORCH_CHECK(s.dim() == 4 && s.size(2) == s.size(3), "window_softmax: scores must be [windows, heads, n, n], got ",
                s.sizes());
    TORCH_CHECK(b.dim() == 3 && b.size(0) == s.size(1) && b.size(1) == s.size(2) && b.size(2) == s.size(3),
                "window_softmax: bias ", b.sizes(), " does not fit scores ", s.sizes());
    TORCH_CHECK(!m || (m->dim() == 3 && m->size(0) > 0 && s.size(0) % m->size(0) == 0 && m->size(1) == s.size(2) &&
                       m->size(2) == s.size(3)),
                "window_softmax: mask ", m ? m->sizes() : at::IntArrayRef(), " does not fit scores ", s.sizes());
    if (!ours(s, b, m))
      *out = rs::wrap(composed(s, b, m, scale));
    else if (c10::GradMode::is_enabled() && (s.requires_grad() || b.requires_grad()))
      *out = rs::wrap(WindowSoftmaxFunction::apply(s, b, m, scale));
    else
      *out = rs::wrap(weights(s, b, m, sizes_of(s, m), (float)scale));
  })
}

}  // extern "C"
