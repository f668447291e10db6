// FLOPs of the matrix products, convolutions and attention a thread runs, counted from the shapes
// that RecordFunction observers see at the dispatcher (what torch.utils.flop_counter counts).
// libtorch is built with NDEBUG, and RecordFunction's layout depends on it (a debug-only
// `inputs_valid_` member): this file must see the class as the library does.
#ifndef NDEBUG
#define NDEBUG
#endif
#include <ATen/record_function.h>

#include <cstring>

#include "shim.hpp"

namespace {

enum class Kind { none, conv2d, same_conv2d, mm, addmm, bmm, baddbmm, attention, linear, window_attention,
                  window_attention_backward };

Kind kind_of(const char* name) {
  static constexpr std::pair<const char*, Kind> kinds[] = {
      {"aten::conv2d", Kind::conv2d},   {"aten::mm", Kind::mm},
      {"aten::addmm", Kind::addmm},     {"aten::bmm", Kind::bmm},
      {"aten::baddbmm", Kind::baddbmm}, {"aten::scaled_dot_product_attention", Kind::attention},
      {rs::kOneDNNProduct, Kind::mm},   {"mkldnn::_linear_pointwise", Kind::linear},
      {rs::kWinogradConvolution, Kind::same_conv2d},
      {rs::kWindowAttention, Kind::window_attention},
      {rs::kWindowAttentionBackward, Kind::window_attention_backward}};
  for (auto [n, k] : kinds)
    if (std::strcmp(name, n) == 0) return k;
  return Kind::none;
}

thread_local int64_t counted = 0;
// Counted ops running on this thread: one that runs inside another (the products of a
// convolution or of attention's math path) is part of the outer one's count.
thread_local int depth = 0;
thread_local std::optional<at::CallbackHandle> handle;

struct Observed : at::ObserverContext {
  Kind kind = Kind::none;
  bool outermost = false;
  int64_t per_output = 0;  // conv2d: FLOPs per output element (known at the start)
};

const at::Tensor& arg(const at::RecordFunction& fn, size_t i) { return fn.inputs()[i].toTensor(); }

// 2 FLOPs per multiply-add of [..., n, k] x [..., k, m].
int64_t product(const at::Tensor& a, const at::Tensor& b) {
  return 2 * a.numel() * b.size(-1);
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  Kind kind = kind_of(fn.name());
  if (kind == Kind::none) return nullptr;
  auto observed = std::make_unique<Observed>();
  observed->kind = kind;
  observed->outermost = depth++ == 0;
  if (!observed->outermost) return observed;
  switch (kind) {
    case Kind::conv2d: {  // weight [Cout, Cin/groups, kh, kw]
      const auto& w = arg(fn, 1);
      observed->per_output = 2 * w.size(1) * w.size(2) * w.size(3);
      break;
    }
    case Kind::same_conv2d: {  // output [N, Cout, H, W] as large as x [N, Cin, H, W]: the direct form's count
      const auto &x = arg(fn, 0), &w = arg(fn, 1);
      counted += 2 * w.size(1) * w.size(2) * w.size(3) * w.size(0) * (x.numel() / x.size(1));
      break;
    }
    case Kind::mm: case Kind::bmm: counted += product(arg(fn, 0), arg(fn, 1)); break;
    case Kind::addmm: case Kind::baddbmm: counted += product(arg(fn, 1), arg(fn, 2)); break;
    case Kind::linear: counted += 2 * arg(fn, 0).numel() * arg(fn, 1).size(0); break;  // x [.., K], W [N, K]
    case Kind::attention: {  // q [..., L, E], k [..., S, E], v [..., S, Ev]
      const auto &q = arg(fn, 0), &v = arg(fn, 2);
      counted += 2 * q.numel() * v.size(-2) + 2 * (q.numel() / q.size(-1)) * v.size(-2) * v.size(-1);
      break;
    }
    case Kind::window_attention:  // qkv [W, n, 3C]: q·kᵀ and p·v, 2·n²·C each per window
      counted += 4 * (arg(fn, 0).numel() / 3) * arg(fn, 0).size(1);
      break;
    case Kind::window_attention_backward: counted += 8 * (arg(fn, 0).numel() / 3) * arg(fn, 0).size(1); break;
    case Kind::none: break;
  }
  return observed;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* context) {
  auto* observed = static_cast<Observed*>(context);
  if (!observed) return;
  --depth;
  if (observed->outermost && observed->kind == Kind::conv2d && !fn.outputs().empty())
    counted += observed->per_output * fn.outputs()[0].toTensor().numel();
}

}  // namespace

extern "C" {

rs_status rs_flops_start(void) {
  RS_GUARD({
    if (handle) throw std::runtime_error("FLOPs are already being counted on this thread");
    counted = 0;
    depth = 0;
    handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback(on_start, on_end).needsInputs(true).needsOutputs(true));
  });
}

rs_status rs_flops_stop(int64_t* flops) {
  RS_GUARD({
    if (!handle) throw std::runtime_error("FLOPs are not being counted on this thread");
    at::removeCallback(*handle);
    handle.reset();
    *flops = counted;
  });
}

}  // extern "C"
