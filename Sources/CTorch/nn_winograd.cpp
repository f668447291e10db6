// 3×3 convolutions with stride 1 and padding 1 on the CPU in float32, by Winograd's minimal
// filtering F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2016; the transforms cuDNN and NNPACK use).
//
// Each 6×6 input tile d and the kernel g are transformed to V = Bᵀ·d·B and U = G·g·Gᵀ; the 4×4
// output tile is Aᵀ·Σ_c(U ⊙ V)·A. The sum over channels is, for each of the 36 tile elements, one
// matrix product [tiles, C]·[C, K]: 36·C·K multiply-adds per tile of 16 outputs instead of
// 9·16·C·K, 4× fewer. The transforms are per-channel additions, a small part of the time once
// C and K are a few dozen. Both gradients are Winograd products of the same size:
// - input: the same convolution of the output gradient with the kernel turned by 180° and its
//   channel axes swapped;
// - weight: Gᵀ·(Σ_tiles Vᵀ·(A·∂y·Aᵀ))·G, the adjoint of the forward computation.
//
// Rounding: the transforms' coefficients (up to 8 and 1/24) raise float32's error by a small
// factor over the direct convolution's (~1e-5 of the output's largest value, against ~3e-6;
// WinogradConvTests bounds it against float64).
//
// LAVT's decoder is 3×3 convolutions of 512–1536 channels at 1/4–1/16 of the image: on 2
// AVX-512 cores oneDNN's direct convolution runs them at the float32 matrix-product peak, and
// they were about 6 s of a 17.5 s training step (batch 2, 480²); this way, about 2.5 s.
#ifndef NDEBUG
#define NDEBUG  // RecordFunction's layout depends on it (see flops.cpp)
#endif
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>

#include "shim.hpp"

using rs::data;
using rs::mutable_data;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

constexpr int kTile = 6, kOut = 4, kElements = kTile * kTile, kLanes = 16;

// The transforms on L channels at once. `s` is the distance between consecutive operands.

/// o = Bᵀ·d for one column of six (each L channels).
template <int L>
__attribute__((always_inline)) inline void input_column(const float* d, int64_t ds, float* o, int64_t os) {
  for (int l = 0; l < L; ++l) {
    const float d0 = d[l], d1 = d[ds + l], d2 = d[2 * ds + l], d3 = d[3 * ds + l], d4 = d[4 * ds + l],
                d5 = d[5 * ds + l];
    o[l] = 4 * d0 - 5 * d2 + d4;
    o[os + l] = -4 * (d1 + d2) + d3 + d4;
    o[2 * os + l] = 4 * (d1 - d2) - d3 + d4;
    o[3 * os + l] = 2 * (d3 - d1) - d2 + d4;
    o[4 * os + l] = 2 * (d1 - d3) - d2 + d4;
    o[5 * os + l] = 4 * d1 - 5 * d3 + d5;
  }
}

/// o = Aᵀ·m for one column of six (four results).
template <int L>
__attribute__((always_inline)) inline void output_column(const float* m, int64_t ms, float* o, int64_t os) {
  for (int l = 0; l < L; ++l) {
    const float m0 = m[l], m1 = m[ms + l], m2 = m[2 * ms + l], m3 = m[3 * ms + l], m4 = m[4 * ms + l],
                m5 = m[5 * ms + l];
    const float a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4;
    o[l] = m0 + a + c;
    o[os + l] = b + 2 * d;
    o[2 * os + l] = a + 4 * c;
    o[3 * os + l] = b + 8 * d + m5;
  }
}

/// o = A·g for one column of four (six results): the adjoint of output_column.
template <int L>
__attribute__((always_inline)) inline void adjoint_column(const float* g, int64_t gs, float* o, int64_t os) {
  for (int l = 0; l < L; ++l) {
    const float g0 = g[l], g1 = g[gs + l], g2 = g[2 * gs + l], g3 = g[3 * gs + l];
    const float even = g0 + g2, odd = g1 + g3, even4 = g0 + 4 * g2, odd8 = 2 * g1 + 8 * g3;
    o[l] = g0;
    o[os + l] = even + odd;
    o[2 * os + l] = even - odd;
    o[3 * os + l] = even4 + odd8;
    o[4 * os + l] = even4 - odd8;
    o[5 * os + l] = g3;
  }
}

/// o = G·g for one column of three (six results).
template <int L>
__attribute__((always_inline)) inline void kernel_column(const float* g, int64_t gs, float* o, int64_t os) {
  for (int l = 0; l < L; ++l) {
    const float g0 = g[l], g1 = g[gs + l], g2 = g[2 * gs + l];
    const float ends = (g0 + g2) / 6, middle = g1 / 6, even = g0 / 24 + g2 / 6, odd = g1 / 12;
    o[l] = g0 / 4;
    o[os + l] = -ends - middle;
    o[2 * os + l] = -ends + middle;
    o[3 * os + l] = even + odd;
    o[4 * os + l] = even - odd;
    o[5 * os + l] = g2;
  }
}

/// o = Gᵀ·m for one column of six (three results): the adjoint of kernel_column.
template <int L>
__attribute__((always_inline)) inline void kernel_adjoint_column(const float* m, int64_t ms, float* o, int64_t os) {
  for (int l = 0; l < L; ++l) {
    const float m0 = m[l], m1 = m[ms + l], m2 = m[2 * ms + l], m3 = m[3 * ms + l], m4 = m[4 * ms + l],
                m5 = m[5 * ms + l];
    const float inner = (m1 + m2) / 6, outer = m3 + m4;
    o[l] = m0 / 4 - inner + outer / 24;
    o[os + l] = (m2 - m1) / 6 + (m3 - m4) / 12;
    o[2 * os + l] = -inner + outer / 6 + m5;
  }
}

/// Where tiles lie: an image [N, H, W, C] (pixel-major) cut into th × tw tiles of 4×4 outputs.
struct Tiling {
  int64_t N, H, W, th, tw;
  Tiling(int64_t n, int64_t h, int64_t w) : N(n), H(h), W(w), th((h + kOut - 1) / kOut), tw((w + kOut - 1) / kOut) {}
  int64_t tiles() const { return N * th * tw; }
};

/// A run of consecutive tiles [begin, begin + tiles) whose transforms are stored together, as
/// [36, tiles, channels].
struct Chunk {
  int64_t begin, tiles;
};

/// Tile t's six input rows and columns start one pixel before its outputs (padding 1).
struct TileOrigin {
  int64_t n, row, column;
  TileOrigin(const Tiling& s, int64_t t) : n(t / (s.th * s.tw)), row((t / s.tw) % s.th * kOut), column(t % s.tw * kOut) {}
};

/// V[e][t − begin][c…] = (Bᵀ·d·B)[e] for tile t of x [N, H, W, C], L channels from c; V is the
/// chunk's [36, tiles, C].
template <int L>
__attribute__((always_inline)) inline void input_tile(const float* x, const Tiling& s, int64_t C, int64_t c,
                                                       int64_t t, const Chunk& chunk, float* V) {
  const TileOrigin o(s, t);
  float d[kTile][kTile][L], u[kTile][kTile][L];
  for (int i = 0; i < kTile; ++i) {
    const int64_t row = o.row - 1 + i;
    for (int j = 0; j < kTile; ++j) {
      const int64_t column = o.column - 1 + j;
      if (row < 0 || row >= s.H || column < 0 || column >= s.W) {
        for (int l = 0; l < L; ++l) d[i][j][l] = 0;
      } else {
        const float* p = x + ((o.n * s.H + row) * s.W + column) * C + c;
        for (int l = 0; l < L; ++l) d[i][j][l] = p[l];
      }
    }
  }
  for (int j = 0; j < kTile; ++j) input_column<L>(&d[0][j][0], kTile * L, &u[0][j][0], kTile * L);
  float* out = V + (t - chunk.begin) * C + c;
  const int64_t stride = chunk.tiles * C;
  for (int i = 0; i < kTile; ++i) input_column<L>(&u[i][0][0], L, out + i * kTile * stride, stride);
}

/// Tile t's 4×4 outputs y [N, H, W, K] (+ bias), L channels from k, from the chunk's M [36, tiles, K].
template <int L>
__attribute__((always_inline)) inline void output_tile(const float* M, const float* bias, const Tiling& s,
                                                        int64_t K, int64_t k, int64_t t, const Chunk& chunk,
                                                        float* y) {
  const TileOrigin o(s, t);
  float u[kOut][kTile][L], r[kOut][kOut][L];
  const float* in = M + (t - chunk.begin) * K + k;
  const int64_t stride = chunk.tiles * K;
  for (int j = 0; j < kTile; ++j) output_column<L>(in + j * stride, kTile * stride, &u[0][j][0], kTile * L);
  for (int i = 0; i < kOut; ++i) output_column<L>(&u[i][0][0], L, &r[i][0][0], L);
  for (int i = 0; i < kOut && o.row + i < s.H; ++i)
    for (int j = 0; j < kOut && o.column + j < s.W; ++j) {
      float* p = y + ((o.n * s.H + o.row + i) * s.W + o.column + j) * K + k;
      for (int l = 0; l < L; ++l) p[l] = r[i][j][l] + (bias ? bias[k + l] : 0.0f);
    }
}

/// G[e][t − begin][k…] = (A·∂y·Aᵀ)[e] for tile t of ∂y [N, H, W, K], L channels from k; G is the
/// chunk's [36, tiles, K].
template <int L>
__attribute__((always_inline)) inline void adjoint_tile(const float* g, const Tiling& s, int64_t K, int64_t k,
                                                         int64_t t, const Chunk& chunk, float* G) {
  const TileOrigin o(s, t);
  float d[kOut][kOut][L], u[kTile][kOut][L];
  for (int i = 0; i < kOut; ++i)
    for (int j = 0; j < kOut; ++j) {
      const bool inside = o.row + i < s.H && o.column + j < s.W;
      const float* p = g + ((o.n * s.H + o.row + i) * s.W + o.column + j) * K + k;
      for (int l = 0; l < L; ++l) d[i][j][l] = inside ? p[l] : 0.0f;
    }
  for (int j = 0; j < kOut; ++j) adjoint_column<L>(&d[0][j][0], kOut * L, &u[0][j][0], kOut * L);
  float* out = G + (t - chunk.begin) * K + k;
  const int64_t stride = chunk.tiles * K;
  for (int i = 0; i < kTile; ++i) adjoint_column<L>(&u[i][0][0], L, out + i * kTile * stride, stride);
}

/// U[e·es + l] = (G·g·Gᵀ)[e] for L kernels g, the l-th at w + l·ws (nine floats, row-major; turned
/// by 180° when `turned`).
template <int L>
__attribute__((always_inline)) inline void kernel_lanes(const float* w, int64_t ws, bool turned, float* U,
                                                         int64_t es) {
  float g[3][3][L], t[kTile][3][L], u[kTile][kTile][L];
  for (int ij = 0; ij < 9; ++ij) {
    const int64_t from = turned ? 8 - ij : ij;
    for (int l = 0; l < L; ++l) g[ij / 3][ij % 3][l] = w[l * ws + from];
  }
  for (int j = 0; j < 3; ++j) kernel_column<L>(&g[0][j][0], 3 * L, &t[0][j][0], 3 * L);
  for (int i = 0; i < kTile; ++i) kernel_column<L>(&t[i][0][0], L, &u[i][0][0], L);
  for (int e = 0; e < kElements; ++e)
    for (int l = 0; l < L; ++l) U[e * es + l] = u[e / kTile][e % kTile][l];
}

/// w + l·ws (nine floats) = Gᵀ·S·G for L sums S, the l-th's element e at S[e·es + l]: the adjoint of
/// kernel_lanes.
template <int L>
__attribute__((always_inline)) inline void kernel_adjoint_lanes(const float* S, int64_t es, float* w, int64_t ws) {
  float s[kTile][kTile][L], t[3][kTile][L], r[3][3][L];
  for (int e = 0; e < kElements; ++e)
    for (int l = 0; l < L; ++l) s[e / kTile][e % kTile][l] = S[e * es + l];
  for (int j = 0; j < kTile; ++j) kernel_adjoint_column<L>(&s[0][j][0], kTile * L, &t[0][j][0], kTile * L);
  for (int i = 0; i < 3; ++i) kernel_adjoint_column<L>(&t[i][0][0], L, &r[i][0][0], L);
  for (int ij = 0; ij < 9; ++ij)
    for (int l = 0; l < L; ++l) w[l * ws + ij] = r[ij / 3][ij % 3][l];
}

/// The tile loops over channels and the kernel loops over kernels (16 at a time, then one by one),
/// compiled for AVX-512, AVX2 and the build's baseline, the variant chosen at run time.
#define RS_TILE_LOOPS(suffix, target)                                                                          \
  target void input_tiles_##suffix(const float* x, const Tiling& s, int64_t C, const Chunk& chunk, float* V,     \
                                   int64_t first, int64_t last) {                                                \
    for (int64_t t = first; t < last; ++t) {                                                                     \
      int64_t c = 0;                                                                                             \
      for (; c + kLanes <= C; c += kLanes) input_tile<kLanes>(x, s, C, c, t, chunk, V);                         \
      for (; c < C; ++c) input_tile<1>(x, s, C, c, t, chunk, V);                                                 \
    }                                                                                                            \
  }                                                                                                              \
  target void output_tiles_##suffix(const float* M, const float* bias, const Tiling& s, int64_t K,              \
                                    const Chunk& chunk, float* y, int64_t first, int64_t last) {                 \
    for (int64_t t = first; t < last; ++t) {                                                                     \
      int64_t k = 0;                                                                                             \
      for (; k + kLanes <= K; k += kLanes) output_tile<kLanes>(M, bias, s, K, k, t, chunk, y);                   \
      for (; k < K; ++k) output_tile<1>(M, bias, s, K, k, t, chunk, y);                                          \
    }                                                                                                            \
  }                                                                                                              \
  target void adjoint_tiles_##suffix(const float* g, const Tiling& s, int64_t K, const Chunk& chunk,             \
                                     float* G, int64_t first, int64_t last) {                                    \
    for (int64_t t = first; t < last; ++t) {                                                                     \
      int64_t k = 0;                                                                                             \
      for (; k + kLanes <= K; k += kLanes) adjoint_tile<kLanes>(g, s, K, k, t, chunk, G);                        \
      for (; k < K; ++k) adjoint_tile<1>(g, s, K, k, t, chunk, G);                                               \
    }                                                                                                            \
  }                                                                                                              \
  target void kernel_rows_##suffix(const float* w, int64_t row_stride, int64_t ws, int64_t lanes, bool turned,   \
                                   float* U, int64_t es, int64_t first, int64_t last) {                          \
    for (int64_t r = first; r < last; ++r) {                                                                     \
      int64_t l = 0;                                                                                             \
      for (; l + kLanes <= lanes; l += kLanes)                                                                   \
        kernel_lanes<kLanes>(w + r * row_stride + l * ws, ws, turned, U + r * lanes + l, es);                    \
      for (; l < lanes; ++l) kernel_lanes<1>(w + r * row_stride + l * ws, ws, turned, U + r * lanes + l, es);    \
    }                                                                                                            \
  }                                                                                                              \
  target void kernel_adjoint_rows_##suffix(const float* S, int64_t es, int64_t lanes, float* w,                  \
                                           int64_t row_stride, int64_t ws, int64_t first, int64_t last) {        \
    for (int64_t r = first; r < last; ++r) {                                                                     \
      int64_t l = 0;                                                                                             \
      for (; l + kLanes <= lanes; l += kLanes)                                                                   \
        kernel_adjoint_lanes<kLanes>(S + r * lanes + l, es, w + r * row_stride + l * ws, ws);                    \
      for (; l < lanes; ++l) kernel_adjoint_lanes<1>(S + r * lanes + l, es, w + r * row_stride + l * ws, ws);    \
    }                                                                                                            \
  }
RS_TILE_LOOPS(avx512, __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma"))))
RS_TILE_LOOPS(avx2, __attribute__((target("avx2,fma"))))
RS_TILE_LOOPS(baseline, )
#undef RS_TILE_LOOPS

/// Runs the variant of a loop this CPU has over [begin, end), on the thread pool.
#define RS_OVER(begin, end, grain, loop, ...)                                                  \
  at::parallel_for(begin, end, grain, [&](int64_t first, int64_t last) {                       \
    if (rs::simd_level() == rs::SimdLevel::avx512) loop##_avx512(__VA_ARGS__, first, last);     \
    else if (rs::simd_level() == rs::SimdLevel::avx2) loop##_avx2(__VA_ARGS__, first, last);    \
    else loop##_baseline(__VA_ARGS__, first, last);                                            \
  })
/// Runs a tile loop over the chunk's tiles.
#define RS_OVER_CHUNK(loop, ...) RS_OVER(chunk.begin, chunk.begin + chunk.tiles, 16, loop, __VA_ARGS__)

/// U [36, C, K] from a kernel w [K, C, 3, 3]; `turned`: U of the kernel turned by 180° with its
/// channel axes swapped (input gradients' convolution), [36, K, C].
at::Tensor transformed_kernel(const at::Tensor& weight, bool turned = false) {
  const auto w = weight.contiguous();
  const int64_t K = w.size(0), C = w.size(1);
  auto U = at::empty({kElements, turned ? K : C, turned ? C : K}, w.options());
  // Rows over U's middle axis, lanes over its last; w's (k, c) kernel is at (k·C + c)·9.
  const int64_t rows = U.size(1), lanes = U.size(2), row_stride = turned ? C * 9 : 9, ws = turned ? 9 : C * 9;
  RS_OVER(0, rows, 8, kernel_rows, data(w), row_stride, ws, lanes, turned, mutable_data(U), rows * lanes);
  return U;
}

/// Tiles per chunk: the products' rows. Their speed grows with them up to about 512 (36 batched
/// [512, 640]·[640, 512] products: 191 GFLOP/s on 2 AVX-512 cores, 160 at 128 rows), while the
/// chunk's transformed tiles, 36·(C + K) floats each, are kept below about 64 MB.
int64_t chunk_tiles(int64_t tiles, int64_t C, int64_t K) {
  const int64_t budget = (64 << 20) / (kElements * (C + K) * (int64_t)sizeof(float));
  return std::min(tiles, std::clamp<int64_t>(budget, 128, 512));
}

/// Calls body(chunk, V, other) for each chunk of the tiles, with V [36, tiles, C] and other
/// [36, tiles, K] views of buffers reused between chunks.
template <typename F>
void over_chunks(const Tiling& s, int64_t C, int64_t K, const at::TensorOptions& options, F&& body) {
  const int64_t tiles = s.tiles(), size = chunk_tiles(tiles, C, K);
  auto V = at::empty({kElements * size * C}, options), other = at::empty({kElements * size * K}, options);
  for (int64_t begin = 0; begin < tiles; begin += size) {
    const Chunk chunk{begin, std::min(size, tiles - begin)};
    body(chunk, V.narrow(0, 0, kElements * chunk.tiles * C).view({kElements, chunk.tiles, C}),
         other.narrow(0, 0, kElements * chunk.tiles * K).view({kElements, chunk.tiles, K}));
  }
}

/// y [N, H, W, K] = the convolution of x [N, H, W, C] (contiguous) with the kernel U.
at::Tensor convolve(const at::Tensor& x, const at::Tensor& U, const std::optional<at::Tensor>& bias) {
  const int64_t C = U.size(1), K = U.size(2);
  const Tiling s(x.size(0), x.size(1), x.size(2));
  auto y = at::empty({s.N, s.H, s.W, K}, x.options());
  auto b = bias ? bias->contiguous() : at::Tensor();
  const float* bp = b.defined() ? data(b) : nullptr;
  over_chunks(s, C, K, x.options(), [&](const Chunk& chunk, at::Tensor V, at::Tensor M) {
    RS_OVER_CHUNK(input_tiles, data(x), s, C, chunk, mutable_data(V));
    rs::mm_out(M, V, U);
    RS_OVER_CHUNK(output_tiles, data(M), bp, s, K, chunk, mutable_data(y));
  });
  return y;
}

/// ∂L/∂w [K, C, 3, 3] from x [N, H, W, C] and ∂y [N, H, W, K], both contiguous.
at::Tensor kernel_gradient(const at::Tensor& x, const at::Tensor& g) {
  const int64_t C = x.size(3), K = g.size(3);
  const Tiling s(x.size(0), x.size(1), x.size(2));
  auto sum = at::empty({kElements, C, K}, x.options());  // Σ_tiles Vᵀ·(A·∂y·Aᵀ), set by the first chunk
  over_chunks(s, C, K, x.options(), [&](const Chunk& chunk, at::Tensor V, at::Tensor D) {
    RS_OVER_CHUNK(input_tiles, data(x), s, C, chunk, mutable_data(V));
    RS_OVER_CHUNK(adjoint_tiles, data(g), s, K, chunk, mutable_data(D));
    if (chunk.begin == 0) rs::mm_out(sum, V.transpose(1, 2), D);
    else rs::add_mm_(sum, V.transpose(1, 2), D);
  });
  // Gᵀ·S·G for each (c, k), written where w [K, C, 3, 3] has it.
  auto grad = at::empty({K, C, 3, 3}, x.options());
  RS_OVER(0, C, 8, kernel_adjoint_rows, data(sum), C * K, K, mutable_data(grad), 9, C * 9);
  return grad;
}
#undef RS_OVER_CHUNK
#undef RS_OVER

at::Tensor pixel_major(const at::Tensor& t) { return t.permute({0, 2, 3, 1}).contiguous(); }

/// The convolution as an autograd node that keeps only x and w (as the direct one does).
struct WinogradConvFunction : public torch::autograd::Function<WinogradConvFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w,
                            const std::optional<at::Tensor>& b) {
    ctx->save_for_backward({x, w});
    ctx->saved_data["bias"] = b.has_value();
    return convolve(pixel_major(x), transformed_kernel(w), b).permute({0, 3, 1, 2});
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &w = saved[1];
    const bool bias = ctx->saved_data["bias"].toBool();
    if (c10::GradMode::is_enabled()) {  // a graph of the gradient needs libtorch's differentiable backward
      auto [gx, gw, gb] = at::convolution_backward(grads[0], x, w, std::vector<int64_t>{w.size(0)}, {1, 1}, {1, 1},
                                                   {1, 1}, false, {0, 0}, 1,
                                                   {ctx->needs_input_grad(0), ctx->needs_input_grad(1), bias});
      return {gx, gw, bias ? gb : at::Tensor()};
    }
    auto g = pixel_major(grads[0]);
    at::Tensor grad_x, grad_w, grad_b;
    if (ctx->needs_input_grad(0))
      grad_x = convolve(g, transformed_kernel(w, /*turned=*/true), std::nullopt).permute({0, 3, 1, 2});
    if (ctx->needs_input_grad(1)) grad_w = kernel_gradient(pixel_major(x), g);
    if (bias && ctx->needs_input_grad(2)) grad_b = g.view({-1, g.size(3)}).sum(0);
    return {grad_x, grad_w, grad_b};
  }
};

}  // namespace

namespace rs {

bool winograd_applies(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& b,
                      at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups) {
  auto ones = [](at::IntArrayRef v) { return v.size() == 2 && v[0] == 1 && v[1] == 1; };
  const bool autocast = at::autocast::is_autocast_enabled(at::kCPU);
  const bool input = x.scalar_type() == at::kFloat || (autocast && x.scalar_type() == at::kBFloat16);
  // Under autocast the direct convolution runs in bf16, at twice float32's peak where the CPU has
  // it: Winograd's float32 products (4× fewer) win once the transforms are spread over enough
  // tiles. LAVT's decoder, batch 2, forward and backward, bf16 direct against Winograd: 1298 →
  // 896 ms at [640 → 512, 120²], 392 → 349 ms at [768 → 512, 60²], but 207 → 300 ms at
  // [1536 → 512, 30²].
  const bool worth_it = !autocast || x.size(2) * x.size(3) >= 60 * 60;
  // Below a few dozen channels on either side the transforms outweigh the products saved.
  return x.is_cpu() && x.dim() == 4 && w.dim() == 4 && input && w.scalar_type() == at::kFloat && w.is_cpu() &&
         (!b || (b->scalar_type() == at::kFloat && b->dim() == 1)) && worth_it && groups == 1 && w.size(2) == 3 &&
         w.size(3) == 3 && ones(stride) && ones(padding) && ones(dilation) && x.size(1) == w.size(1) &&
         w.size(1) >= 32 && w.size(0) >= 32 && x.size(0) > 0 && x.size(2) > 0 && x.size(3) > 0;
}

at::Tensor winograd_conv3x3(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& b) {
  RECORD_FUNCTION(kWinogradConvolution, std::vector<c10::IValue>({x, w}));
  auto input = x.to(at::kFloat);  // autocast may hand over bf16; the result is float32 then
  c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
  const bool graph = c10::GradMode::is_enabled() && (input.requires_grad() || w.requires_grad() || (b && b->requires_grad()));
  if (graph) return WinogradConvFunction::apply(input, w, b);
  return convolve(pixel_major(input), transformed_kernel(w), b).permute({0, 3, 1, 2});
}

}  // namespace rs
