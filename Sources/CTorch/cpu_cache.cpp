// A CPU allocator that keeps freed large blocks for reuse (see rs_cpu_cache_enable).
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <mutex>
#include <unordered_map>
#include <vector>

#include "shim.hpp"

namespace {

/// Blocks of at least `kLargeBytes` are rounded up to a size class and, when freed, kept by size
/// (up to `limit` bytes in all) for the next request of that size. Fresh large blocks come from
/// mmap, and every page of one faults on first touch: a model run over and over (sliding
/// windows, training steps) otherwise spends a third of its CPU time in the kernel.
class CachingCPUAllocator final : public c10::Allocator {
 public:
  static constexpr size_t kLargeBytes = size_t(1) << 20;

  static CachingCPUAllocator& shared() {
    static CachingCPUAllocator* instance = new CachingCPUAllocator();  // never destroyed: blocks may outlive main
    return *instance;
  }

  void set_limit(size_t bytes) {
    std::vector<std::pair<void*, size_t>> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_ = bytes;
      evict_locked(dropped, limit_);
    }
    for (auto& [p, size] : dropped) c10::free_cpu(p);
  }

  int64_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return (int64_t)cached_;
  }

  c10::DataPtr allocate(size_t n) override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (n < kLargeBytes) {
      void* p = c10::alloc_cpu(n);
      return {p, p, &c10::free_cpu, cpu};
    }
    const size_t size = size_class(n);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = free_.find(size);
      if (found != free_.end() && !found->second.empty()) {
        void* p = found->second.back();
        found->second.pop_back();
        cached_ -= size;
        live_[p] = size;
        return {p, p, &release, cpu};
      }
    }
    void* p = c10::alloc_cpu(size);  // outside the lock: fresh memory is the slow case
    std::lock_guard<std::mutex> lock(mutex_);
    live_[p] = size;
    return {p, p, &release, cpu};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }

 private:
  static void release(void* p) { shared().give_back(p); }

  /// `n` rounded up to a quarter step between powers of two (at most 25 % more), so that
  /// tensors of similar sizes share cached blocks; the pages past `n` are never touched.
  static size_t size_class(size_t n) {
    size_t power = kLargeBytes;
    while (power * 2 <= n) power *= 2;
    const size_t step = power / 4;
    return (n + step - 1) / step * step;
  }

  void give_back(void* p) {
    std::vector<std::pair<void*, size_t>> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = live_.find(p);
      if (found == live_.end()) {
        dropped.emplace_back(p, 0);  // a small block handed out through raw_allocate
      } else {
        const size_t size = found->second;
        live_.erase(found);
        if (size <= limit_) {
          free_[size].push_back(p);
          cached_ += size;
          evict_locked(dropped, limit_);
        } else {
          dropped.emplace_back(p, size);
        }
      }
    }
    for (auto& [block, size] : dropped) c10::free_cpu(block);
  }

  /// Drops cached blocks, largest sizes first, until the cache holds at most `keep` bytes.
  void evict_locked(std::vector<std::pair<void*, size_t>>& dropped, size_t keep) {
    while (cached_ > keep) {
      auto largest = free_.end();
      for (auto it = free_.begin(); it != free_.end(); ++it) {
        if (!it->second.empty() && (largest == free_.end() || it->first > largest->first)) largest = it;
      }
      if (largest == free_.end()) break;
      dropped.emplace_back(largest->second.back(), largest->first);
      largest->second.pop_back();
      cached_ -= largest->first;
    }
  }

  std::mutex mutex_;
  size_t limit_ = 0;
  size_t cached_ = 0;
  std::unordered_map<size_t, std::vector<void*>> free_;
  std::unordered_map<void*, size_t> live_;
};

}  // namespace

extern "C" {

rs_status rs_cpu_cache_enable(int64_t limit_bytes) {
  RS_GUARD({
    TORCH_CHECK(limit_bytes >= 0, "the CPU block cache limit must not be negative, got ", limit_bytes);
    auto& cache = CachingCPUAllocator::shared();
    cache.set_limit((size_t)limit_bytes);
    // Priority above the default allocator's, so the one registered at load time gives way.
    c10::SetCPUAllocator(&cache, /*priority=*/1);
  })
}

int64_t rs_cpu_cache_bytes(void) { return CachingCPUAllocator::shared().cached_bytes(); }

}  // extern "C"
