import Glibc

/// Memory policy for commands that stream large scenes (`predict`, `refer`).
enum StreamingMemory {
  /// glibc serves allocations below its mmap threshold from heaps that rarely shrink, and it
  /// raises the threshold to 32 MB as large blocks are freed, so the window-sized tensors of a
  /// long run end up fragmenting the heap. A fixed 1 MB threshold gives them back to the system
  /// when freed (measured: 0.15 GB less peak RSS for the Vaihingen preset at 1024 windows).
  static func returnLargeBlocksToTheSystem() {
    // <malloc.h> is not part of Swift's Glibc module: look `mallopt` up (RTLD_DEFAULT is null).
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(nil, "mallopt") else { return }
    let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
    _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 1 << 20)
  }
}
