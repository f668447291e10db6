// Weights cast once per inference run under autocast (see rs_cast_cache_enter).
//
// Autocast casts a float32 weight to bf16 at every use. Its own cache (weights that are leaves
// requiring grad, kept until the outermost autocast region ends) is off in inference mode since
// PyTorch 2.9 (pytorch#158232: a cast made there cannot serve a later training step), so a scene
// predicted window by window under `torch.inference_mode()` casts the whole model again per
// window: LAVT's 200 M parameters are 0.8 GB read and 0.4 GB written per window. This cache
// serves only while gradients are off, so a cast it holds never reaches a graph, and it checks
// each weight's version counter, so an in-place update (an optimiser step, a loaded state dict)
// is never served stale.
#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>
#include <c10/util/intrusive_ptr.h>

#include <unordered_map>

#include "shim.hpp"

namespace {

struct Entry {
  c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl> source;
  int64_t version;
  at::Tensor cast;
};

struct Key {
  const c10::TensorImpl* source;
  at::ScalarType type;
  bool operator==(const Key& o) const { return source == o.source && type == o.type; }
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    return std::hash<const void*>()(k.source) ^ (size_t(k.type) * 0x9e3779b97f4a7c15ULL);
  }
};

thread_local int depth = 0;
thread_local std::unordered_map<Key, Entry, KeyHash> entries;

/// Whether the cache serves: inside rs_cast_cache_enter's scope, with gradients off.
bool cast_cache_serves() { return depth > 0 && !c10::GradMode::is_enabled(); }

/// `weight` in `type`: where the cache serves, a float32 leaf requiring grad is cast once and
/// reused until modified in place; else `weight.to(type)`.
at::Tensor cast_weight(const at::Tensor& weight, at::ScalarType type) {
  if (weight.scalar_type() == type) return weight;
  const bool cacheable = cast_cache_serves() && weight.scalar_type() == at::kFloat && weight.requires_grad() &&
                         weight.is_leaf() && !weight.is_view();
  if (!cacheable) return weight.to(type);
  const Key key{weight.unsafeGetTensorImpl(), type};
  const int64_t version = weight._version();
  auto found = entries.find(key);
  // The weak reference tells a live weight from a new one allocated at a freed one's address.
  if (found != entries.end() && found->second.version == version &&
      found->second.source.lock().get() == weight.unsafeGetTensorImpl())
    return found->second.cast;
  auto cast = weight.to(type);
  entries.insert_or_assign(key, Entry{c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>(
                                          weight.getIntrusivePtr()),
                                      version, cast});
  return cast;
}

}  // namespace

namespace rs {

std::optional<AutocastOperands> cached_autocast_operands(const at::Tensor& x, const at::Tensor& w,
                                                         const std::optional<at::Tensor>& b) {
  const auto device = x.device().type();
  if (!cast_cache_serves() || (device != at::kCPU && device != at::kCUDA) ||
      !at::autocast::is_autocast_enabled(device))
    return std::nullopt;
  const auto type = at::autocast::get_autocast_dtype(device);
  // Autocast's lower-precision policy casts float32 operands; leave anything else to it.
  auto eligible = [&](const at::Tensor& t) { return t.scalar_type() == at::kFloat || t.scalar_type() == type; };
  if (!eligible(x) || !eligible(w) || (b && !eligible(*b))) return std::nullopt;
  return AutocastOperands{x.to(type), cast_weight(w, type), b ? std::optional<at::Tensor>(cast_weight(*b, type)) : std::nullopt};
}

}  // namespace rs

extern "C" {

void rs_cast_cache_enter(void) { ++depth; }

void rs_cast_cache_exit(void) {
  if (depth > 0 && --depth == 0) entries.clear();
}

int64_t rs_cast_cache_count(void) { return (int64_t)entries.size(); }

}  // extern "C"
