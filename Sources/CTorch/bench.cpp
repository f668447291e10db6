// Op loops timed inside C++ (no shim or Swift overhead) for the dispatch benchmark.
#include <chrono>

#include "shim.hpp"

using rs::T;

template <typename F>
static double time_loop(int64_t iters, F&& call) {
  auto start = std::chrono::steady_clock::now();
  for (int64_t k = 0; k < iters; ++k) {
    at::Tensor r = call();
    (void)r;
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::nano>(elapsed).count() / (double)iters;
}

extern "C" {

rs_status rs_bench_add_loop(rs_tensor a, rs_tensor b, int64_t iters, double* ns_per_call) {
  RS_GUARD(*ns_per_call = time_loop(iters, [&] { return at::add(T(a), T(b)); }))
}

rs_status rs_bench_conv2d_loop(rs_tensor x, rs_tensor w, rs_tensor bias, int64_t iters,
                               double* ns_per_call) {
  RS_GUARD(*ns_per_call = time_loop(iters, [&] {
             return at::conv2d(T(x), T(w), rs::opt(bias), {1, 1}, {1, 1});
           }))
}

}  // extern "C"
