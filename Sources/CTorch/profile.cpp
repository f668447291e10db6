// Operator self and total times from RecordFunction observers (see ctorch_profile.h). Like
// flops.cpp, this file must see RecordFunction as libtorch (built with NDEBUG) does.
#ifndef NDEBUG
#define NDEBUG
#endif
#include <ATen/record_function.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

#include "shim.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Totals {
  int64_t calls = 0, self_ns = 0, total_ns = 0;
};

thread_local std::map<std::string, Totals> totals;
thread_local bool by_shapes = false;
thread_local std::optional<at::CallbackHandle> handle;
// Time spent in the recorded children of each op still running, innermost last.
thread_local std::vector<int64_t> children;

struct Started : at::ObserverContext {
  std::string key;
  Clock::time_point start = Clock::now();
};

/// The op's name, and with `by_shapes` its tensor inputs' shapes.
std::string key_of(const at::RecordFunction& fn) {
  std::string key = fn.name();
  if (!by_shapes) return key;
  for (const auto& input : fn.inputs()) {
    if (!input.isTensor() || !input.toTensor().defined()) continue;
    key += " [";
    const auto sizes = input.toTensor().sizes();
    for (size_t i = 0; i < sizes.size(); ++i) key += (i ? ", " : "") + std::to_string(sizes[i]);
    key += "]";
  }
  return key;
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  children.push_back(0);
  auto started = std::make_unique<Started>();
  started->key = key_of(fn);
  started->start = Clock::now();
  return started;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* context) {
  auto* started = static_cast<Started*>(context);
  auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started->start).count();
  int64_t inner = children.back();
  children.pop_back();
  if (!children.empty()) children.back() += elapsed;
  auto& t = totals[started->key];
  t.calls += 1;
  t.total_ns += elapsed;
  t.self_ns += elapsed - inner;
}

}  // namespace

extern "C" {

rs_status rs_profile_start(int32_t shapes) {
  RS_GUARD({
    if (handle) throw std::runtime_error("ops are already being profiled on this thread");
    totals.clear();
    children.clear();
    by_shapes = shapes != 0;
    handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback(on_start, on_end)
            .needsInputs(by_shapes)
            .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
  });
}

rs_status rs_profile_stop(rs_op_time** ops, int64_t* count) {
  RS_GUARD({
    if (!handle) throw std::runtime_error("ops are not being profiled on this thread");
    at::removeCallback(*handle);
    handle.reset();
    std::vector<std::pair<std::string, Totals>> sorted(totals.begin(), totals.end());
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.second.self_ns > b.second.self_ns; });
    auto* out = static_cast<rs_op_time*>(std::malloc(sizeof(rs_op_time) * std::max<size_t>(sorted.size(), 1)));
    for (size_t i = 0; i < sorted.size(); ++i)
      out[i] = {strdup(sorted[i].first.c_str()), sorted[i].second.calls, sorted[i].second.self_ns, sorted[i].second.total_ns};
    *ops = out;
    *count = (int64_t)sorted.size();
    totals.clear();
  });
}

void rs_profile_free(rs_op_time* ops, int64_t count) {
  for (int64_t i = 0; i < count; ++i) std::free(ops[i].name);
  std::free(ops);
}

}  // extern "C"
