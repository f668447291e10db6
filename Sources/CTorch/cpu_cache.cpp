// A CPU allocator that keeps freed large blocks for reuse (see rs_cpu_cache_enable).
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <sys/mman.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "shim.hpp"

namespace {

/// Requests of at least `kLargeBytes` are served from segments of memory that stay mapped when
/// freed, the way PyTorch's CUDA caching allocator serves GPU memory: a request takes the
/// smallest free block that fits, split when what is left is large enough to use; a freed block
/// merges with free neighbours. Fresh memory comes from mmap, and every page of it faults on
/// first touch: without reuse, a model run over and over (sliding windows, training steps)
/// spends a third of its CPU time in the kernel.
///
/// Free memory is kept up to max(limit, peak live − live) bytes, where live counts the large
/// blocks in use and peak live is its high-water mark, by handing whole free segments back to the
/// system. So the cache never takes resident memory above max(peak live, live + limit), yet
/// between the peaks of a repeated pattern (a training step frees its activations, then
/// allocates them again) it keeps what the next one needs.
class CachingCPUAllocator final : public c10::Allocator {
 public:
  static constexpr size_t kLargeBytes = size_t(1) << 20;

  static CachingCPUAllocator& shared() {
    static CachingCPUAllocator* instance = new CachingCPUAllocator();  // never destroyed: blocks may outlive main
    return *instance;
  }

  void set_limit(size_t bytes) {
    std::vector<void*> released;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_ = bytes;
      peak_live_bytes_ = live_bytes_;  // the peak that counts is the one of the work that follows
      trim_locked(released);
    }
    for (void* p : released) c10::free_cpu(p);
  }

  rs_cpu_cache_stats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {(int64_t)cached_, (int64_t)live_bytes_, (int64_t)peak_live_bytes_};
  }

  c10::DataPtr allocate(size_t n) override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (n < kLargeBytes) {
      void* p = c10::alloc_cpu(n);
      return {p, p, &c10::free_cpu, cpu};
    }
    const size_t size = round_up(n, kPage);
    std::vector<void*> released;
    Block* block = nullptr;
    size_t segment = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      block = take_free_locked(size);
      if (!block) {
        trim_locked(released, /*incoming=*/size);  // make room first
        segment = limit_ == 0 ? size : segment_size(size);  // off: nothing left over
      }
    }
    for (void* p : released) c10::free_cpu(p);
    if (!block) {
      char* base = static_cast<char*>(c10::alloc_cpu(segment));  // outside the lock: the slow case
      std::lock_guard<std::mutex> lock(mutex_);
      block = new Block{base, segment, true, nullptr, nullptr};
      cached_ += segment;
      block = split_locked(block, size);
    }
    return {block->ptr, block->ptr, &release, cpu};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }

 private:
  static constexpr size_t kPage = 4096;

  /// A piece of a segment; neighbours in the same segment are linked in address order.
  struct Block {
    char* ptr;
    size_t size;
    bool free;
    Block* prev;
    Block* next;
    /// Whether its pages may be resident; false once handed back with madvise (still mapped).
    bool resident = true;
    bool whole_segment() const { return !prev && !next; }
  };
  struct BySize {
    bool operator()(const Block* a, const Block* b) const {
      return a->size != b->size ? a->size < b->size : a->ptr < b->ptr;
    }
  };

  static size_t round_up(size_t n, size_t step) { return (n + step - 1) / step * step; }

  /// A fresh segment for `size`: rounded up to a quarter step between powers of two, so that
  /// what is left over can serve a later, similar request.
  static size_t segment_size(size_t size) {
    size_t power = kLargeBytes;
    while (power * 2 <= size) power *= 2;
    return round_up(size, power / 4);
  }

  static void release(void* p) { shared().give_back(p); }

  /// What may stay free once `incoming` more bytes are live (nothing when the limit is 0: the
  /// cache is off).
  size_t allowed_locked(size_t incoming = 0) const {
    if (limit_ == 0) return 0;
    const size_t live = live_bytes_ + incoming;
    return std::max(limit_, std::max(peak_live_bytes_, live) - live);
  }

  /// The smallest free block of at least `size`, split to `size`; null when none fits.
  Block* take_free_locked(size_t size) {
    Block key{nullptr, size, true, nullptr, nullptr};
    auto found = free_.lower_bound(&key);
    if (found == free_.end()) return nullptr;
    Block* block = *found;
    free_.erase(found);
    return split_locked(block, size);
  }

  /// Hands out the first `size` bytes of free `block` (not in the free set); the rest goes back
  /// to the free set when it is large enough to serve a large request.
  Block* split_locked(Block* block, size_t size) {
    if (block->size - size >= kLargeBytes) {
      auto* rest = new Block{block->ptr + size, block->size - size, true, block, block->next, block->resident};
      if (block->next) block->next->prev = rest;
      block->next = rest;
      block->size = size;
      free_.insert(rest);
    }
    block->free = false;
    if (block->resident) cached_ -= block->size;
    block->resident = true;
    live_bytes_ += block->size;
    peak_live_bytes_ = std::max(peak_live_bytes_, live_bytes_);
    live_[block->ptr] = block;
    return block;
  }

  void give_back(void* p) {
    std::vector<void*> released;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = live_.find(p);
      if (found == live_.end()) {
        released.push_back(p);  // a small block handed out through raw_allocate
      } else {
        Block* block = found->second;
        live_.erase(found);
        live_bytes_ -= block->size;
        cached_ += block->size;
        block->free = true;
        if (block->next && block->next->free) absorb_next_locked(block);
        if (block->prev && block->prev->free) {
          block = block->prev;
          free_.erase(block);  // its size changes, and with it its place in the set
          absorb_next_locked(block);
        }
        free_.insert(block);
        trim_locked(released);
      }
    }
    for (void* block : released) c10::free_cpu(block);
  }

  /// Merges the free block after `block` (both free, `block` not in the free set) into it.
  void absorb_next_locked(Block* block) {
    Block* next = block->next;
    if (block->resident != next->resident) {  // counted resident as a whole, though part is not
      cached_ += block->resident ? next->size : block->size;
      block->resident = true;
    }
    free_.erase(next);
    block->size += next->size;
    block->next = next->next;
    if (next->next) next->next->prev = block;
    delete next;
  }

  /// Hands whole free segments back to the system, smallest first, until what is free fits
  /// (with `incoming` more bytes about to be live); then, if still too much is free, the pages
  /// of free blocks inside segments that are partly in use, again smallest first (madvise: they
  /// stay mapped for reuse, and fault in again when used). Without the second pass such blocks
  /// stay resident at the peak: 0.2 GB of a LAVT training step's. Smallest first because the
  /// large blocks are the ones the next large request can use: handing them back first made a
  /// LAVT training step fault in 5.1M pages against 3.6M (16.2 / 15.9 → 14.6 / 14.4 s, 2 AVX-512
  /// cores, peak RSS 3676 → 3693 MB).
  void trim_locked(std::vector<void*>& released, size_t incoming = 0) {
    const size_t allowed = allowed_locked(incoming);
    for (auto it = free_.begin(); it != free_.end() && cached_ > allowed;) {
      Block* block = *it;
      if (!block->whole_segment()) {
        ++it;
        continue;
      }
      it = free_.erase(it);
      if (block->resident) cached_ -= block->size;
      released.push_back(block->ptr);
      delete block;
    }
    for (auto it = free_.begin(); it != free_.end() && cached_ > allowed; ++it) {
      Block* block = *it;
      if (!block->resident) continue;
      char* begin = reinterpret_cast<char*>(round_up(reinterpret_cast<size_t>(block->ptr), kPage));
      char* end = reinterpret_cast<char*>((reinterpret_cast<size_t>(block->ptr) + block->size) / kPage * kPage);
      if (end > begin) madvise(begin, (size_t)(end - begin), MADV_DONTNEED);
      block->resident = false;
      cached_ -= block->size;
    }
  }

  std::mutex mutex_;
  size_t limit_ = 0;
  size_t cached_ = 0;  // free bytes in segments
  size_t live_bytes_ = 0;
  size_t peak_live_bytes_ = 0;
  std::set<Block*, BySize> free_;
  std::unordered_map<void*, Block*> live_;
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

rs_cpu_cache_stats rs_cpu_cache_statistics(void) { return CachingCPUAllocator::shared().stats(); }

}  // extern "C"
