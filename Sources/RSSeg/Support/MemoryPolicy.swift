import Foundation
import Torch

#if canImport(Glibc)
  import Glibc
#endif

/// How commands that run a model over and over (`predict`, `refer`, `train`, `evaluate`,
/// `bench model`) use memory.
public enum MemoryPolicy {
  /// Freed tensor memory kept for reuse beyond what the peak allows, unless
  /// `RSSEG_CPU_CACHE_MB` says otherwise (0 = none): what resident memory may exceed the peak
  /// of live tensors by. 256 MB measured 1–3 % faster LAVT training steps at 0.16 GB more peak.
  static let defaultCacheMegabytes = 32

  /// Keeps freed tensor blocks of 1 MB or more for later tensors (`Torch.cacheCPUBlocks`), so
  /// repeated runs do not fault in fresh pages, and hands every other large block (GDAL
  /// buffers, arrays) back to the system when freed: glibc serves allocations below its mmap
  /// threshold from heaps that rarely shrink, and raises that threshold to 32 MB as large blocks
  /// are freed, so window-sized buffers would otherwise fragment the heap (a fixed 1 MB threshold
  /// measured 0.15 GB less peak RSS for the Vaihingen preset at 1024 windows).
  public static func forRepeatedModelRuns() throws {
    let text = ProcessInfo.processInfo.environment["RSSEG_CPU_CACHE_MB"]
    let megabytes = text.map { Int($0) ?? -1 } ?? defaultCacheMegabytes
    guard megabytes >= 0 else {
      throw DataError.invalidArgument("RSSEG_CPU_CACHE_MB must be a whole number of megabytes, not '\(text ?? "")'")
    }
    try Torch.cacheCPUBlocks(limitBytes: megabytes << 20)
    #if canImport(Glibc)
      // <malloc.h> is not part of Swift's Glibc module: look `mallopt` up (RTLD_DEFAULT is null).
      typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
      guard let symbol = dlsym(nil, "mallopt") else { return }
      let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
      _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 1 << 20)
    #endif
  }
}
