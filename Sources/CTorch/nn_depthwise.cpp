// Backward of a depthwise convolution with a 7×7 kernel, stride 1 and padding 3 (ConvNeXt's),
// on the CPU in float32 and float64.
//
// libtorch 2.13's CPU backward for it takes 10–100× its forward: ConvNeXt-B at 512², batch 2
// spent about 1 s of an 8 s training step there (measured against torch.nn.functional.conv2d
// on 2 AVX-512 cores: stage 3, [2, 512, 32, 32], forward 1 ms, backward 103 ms NCHW and 13 ms
// channels-last). Here:
// - the input gradient is the same convolution with the kernel turned by 180°, a forward
//   convolution, which oneDNN runs as fast as any other forward;
// - the weight gradient, Σ over pixels of g(p)·x(p + offset) for each of the 49 offsets and each
//   channel, is a loop over pixel-major rows, vectorised across 16 channels with the 7 column
//   offsets of one row offset held in registers.
#include "shim.hpp"

#include <ATen/Parallel.h>

namespace {

constexpr int kSize = 7, kRadius = kSize / 2, kLanes = 16;

/// a[j][l] += g[w][l] · x[w + j − 3][l] for one column w, L channels; `Edge` skips the columns
/// beyond the row's ends.
template <typename S, int L, bool Edge>
__attribute__((always_inline)) inline void add_column(S (&a)[kSize][L], const S* g, const S* x, int64_t w,
                                                       int64_t W, int64_t C) {
  const S* gw = g + w * C;
  for (int j = 0; j < kSize; ++j) {
    const int64_t column = w + j - kRadius;
    if (Edge && (column < 0 || column >= W)) continue;
    const S* xw = x + column * C;
    for (int l = 0; l < L; ++l) a[j][l] += gw[l] * xw[l];
  }
}

/// acc[j][l] += Σ_w g[w][l] · x[w + j − 3][l] over one output row g and one input row x (both
/// [W, C] from their first channel), for L channels; acc is [7, C] from its first channel.
template <typename S, int L>
__attribute__((always_inline)) inline void accumulate_channels(const S* g, const S* x, S* acc, int64_t W,
                                                                int64_t C) {
  S a[kSize][L];
  for (int j = 0; j < kSize; ++j)
    for (int l = 0; l < L; ++l) a[j][l] = acc[j * C + l];
  const int64_t interior_end = std::max<int64_t>(kRadius, W - kRadius);
  for (int64_t w = 0; w < std::min<int64_t>(kRadius, W); ++w) add_column<S, L, true>(a, g, x, w, W, C);
  for (int64_t w = kRadius; w < interior_end; ++w) add_column<S, L, false>(a, g, x, w, W, C);
  for (int64_t w = interior_end; w < W; ++w) add_column<S, L, true>(a, g, x, w, W, C);
  for (int j = 0; j < kSize; ++j)
    for (int l = 0; l < L; ++l) acc[j * C + l] = a[j][l];
}

/// Adds rows [begin, end) of the B·H output rows into acc ([7, 7, C]); g and x are [B, H, W, C].
template <typename S>
__attribute__((always_inline)) inline void accumulate_rows(const S* g, const S* x, S* acc, int64_t H, int64_t W,
                                                            int64_t C, int64_t begin, int64_t end) {
  for (int64_t row = begin; row < end; ++row) {
    const int64_t b = row / H, h = row % H;
    for (int i = 0; i < kSize; ++i) {
      const int64_t input_row = h + i - kRadius;
      if (input_row < 0 || input_row >= H) continue;
      const S* gr = g + row * W * C;
      const S* xr = x + (b * H + input_row) * W * C;
      S* ar = acc + i * kSize * C;
      int64_t c = 0;
      for (; c + kLanes <= C; c += kLanes) accumulate_channels<S, kLanes>(gr + c, xr + c, ar + c, W, C);
      for (; c < C; ++c) accumulate_channels<S, 1>(gr + c, xr + c, ar + c, W, C);
    }
  }
}

// The same loop compiled for AVX-512 and AVX2 (chosen at run time) and for the build's baseline.
#define RS_ROWS_FUNCTION(name, target)                                                                  \
  template <typename S>                                                                                 \
  target void name(const S* g, const S* x, S* acc, int64_t H, int64_t W, int64_t C, int64_t begin,   \
                   int64_t end) {                                                                       \
    accumulate_rows(g, x, acc, H, W, C, begin, end);                                                    \
  }
RS_ROWS_FUNCTION(rows_avx512, __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma"))))
RS_ROWS_FUNCTION(rows_avx2, __attribute__((target("avx2,fma"))))
RS_ROWS_FUNCTION(rows_baseline, )
#undef RS_ROWS_FUNCTION

template <typename S>
void accumulate_rows_best(const S* g, const S* x, S* acc, int64_t H, int64_t W, int64_t C, int64_t begin,
                          int64_t end) {
  const auto level = rs::simd_level();
  if (level == rs::SimdLevel::avx512)
    rows_avx512(g, x, acc, H, W, C, begin, end);
  else if (level == rs::SimdLevel::avx2)
    rows_avx2(g, x, acc, H, W, C, begin, end);
  else
    rows_baseline(g, x, acc, H, W, C, begin, end);
}

/// ∂L/∂weight ([C, 1, 7, 7]) from the output gradient and the input, both [B, H, W, C]
/// contiguous. The B·H output rows are split into one part per thread, each summed on its own;
/// the parts' sums are added at the end.
at::Tensor weight_gradient(const at::Tensor& g, const at::Tensor& x) {
  const int64_t B = g.size(0), H = g.size(1), W = g.size(2), C = g.size(3), rows = B * H;
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), rows));
  const int64_t part_rows = (rows + parts - 1) / parts;
  auto sums = at::zeros({parts, kSize, kSize, C}, g.options());
  AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "depthwise_weight_gradient", [&] {
    // Untyped data_ptr: the typed accessors' symbols differ between libtorch versions.
    const auto *gp = static_cast<const scalar_t*>(g.data_ptr()), *xp = static_cast<const scalar_t*>(x.data_ptr());
    auto* sp = static_cast<scalar_t*>(sums.data_ptr());
    at::parallel_for(0, parts, 1, [&](int64_t first, int64_t last) {
      for (int64_t part = first; part < last; ++part)
        accumulate_rows_best(gp, xp, sp + part * kSize * kSize * C, H, W, C, part * part_rows,
                             std::min(rows, (part + 1) * part_rows));
    });
  });
  return sums.sum(0).permute({2, 0, 1}).unsqueeze(1).contiguous();
}

}  // namespace

namespace rs {

std::tuple<at::Tensor, at::Tensor, at::Tensor> depthwise_conv_backward(const at::Tensor& grad_out,
                                                                       const at::Tensor& x,
                                                                       const at::Tensor& weight) {
  const int64_t C = weight.size(0), padding = weight.size(2) / 2;
  const bool ours = x.is_cpu() && (x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble) &&
                    grad_out.scalar_type() == x.scalar_type() && weight.scalar_type() == x.scalar_type() &&
                    weight.size(2) == kSize && weight.size(3) == kSize;
  if (!ours)
    return at::convolution_backward(grad_out, x, weight, std::vector<int64_t>{C}, {1, 1}, {padding, padding},
                                     {1, 1}, false, {0, 0}, C, {true, true, true});
  // Pixel-major operands: free for channels-last tensors, one copy otherwise.
  auto g = grad_out.permute({0, 2, 3, 1}).contiguous();
  auto grad_x = at::conv2d(g.permute({0, 3, 1, 2}), weight.flip({2, 3}), {}, 1, kRadius, 1, C);
  auto grad_w = weight_gradient(g, x.permute({0, 2, 3, 1}).contiguous());
  auto grad_b = g.view({-1, C}).sum(0);
  return {grad_x, grad_w, grad_b};
}

}  // namespace rs
