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
thread_local std::optional<at::CallbackHandle> handle;
// Time spent in the recorded children of each op still running, innermost last.
thread_local std::vector<int64_t> children;

struct Started : at::ObserverContext {
  Clock::time_point start = Clock::now();
};

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction&) {
  children.push_back(0);
  return std::make_unique<Started>();
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* context) {
  auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     Clock::now() - static_cast<Started*>(context)->start).count();
  int64_t inner = children.back();
  children.pop_back();
  if (!children.empty()) children.back() += elapsed;
  auto& t = totals[fn.name()];
  t.calls += 1;
  t.total_ns += elapsed;
  t.self_ns += elapsed - inner;
}

}  // namespace

extern "C" {

rs_status rs_profile_start(void) {
  RS_GUARD({
    if (handle) throw std::runtime_error("ops are already being profiled on this thread");
    totals.clear();
    children.clear();
    handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback(on_start, on_end)
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
