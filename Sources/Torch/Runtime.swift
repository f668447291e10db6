import CTorch

/// Process-wide libtorch settings and facts.
public enum Torch {
  /// libtorch's version, e.g. "2.13.0".
  public static var version: String { String(cString: rs_torch_version()) }
  /// The libtorch_cpu library this process loaded.
  public static var libraryPath: String? {
    let path = String(cString: rs_library_path())
    return path.isEmpty ? nil : path
  }
  /// Intra-op threads libtorch uses.
  public static var threads: Int {
    get { Int(rs_get_num_threads()) }
    set { rs_set_num_threads(Int32(newValue)) }
  }
  /// Seeds libtorch's default generators (CPU and CUDA).
  public static func manualSeed(_ seed: UInt64) { rs_manual_seed(seed) }
  public static var cudaAvailable: Bool { rs_cuda_is_available() != 0 }
  public static var cudaDeviceCount: Int { Int(rs_cuda_device_count()) }
  /// Whether the CPU has native bfloat16 matrix instructions (AVX512-BF16 or AMX).
  public static var cpuHasBF16: Bool { rs_cpu_has_bf16() != 0 }
  /// Whether float32 linear layers and batched products on the CPU run on oneDNN, which libtorch
  /// allows with AVX-512 or avx_ne_convert only; elsewhere they are libtorch's (MKL's sgemm).
  public static var cpuProductsOnOneDNN: Bool { rs_cpu_products_on_onednn() != 0 }
  /// Makes CPU tensors of 1 MB or more keep their memory when freed, for later tensors (a
  /// request takes the smallest free block that fits, split if need be, as PyTorch's CUDA
  /// caching allocator does). A model run over and over (sliding windows, training steps) then
  /// stops paying for fresh pages, each of which faults on first touch. Free memory is kept up
  /// to max(`limitBytes`, peak live − live) (peak live counted from this call), so resident memory
  /// stays under max(peak live, live + `limitBytes`): beyond that, whole free segments go back to
  /// the system and free blocks inside segments still partly in use give back their pages
  /// (madvise) while staying mapped for reuse. 0 keeps nothing. Calling it again changes the limit.
  public static func cacheCPUBlocks(limitBytes: Int) throws {
    try check(rs_cpu_cache_enable(Int64(limitBytes)), "cacheCPUBlocks")
  }

  /// What `cacheCPUBlocks` holds: free bytes kept resident, bytes of large blocks in use, and
  /// the high-water mark of the latter.
  public struct CPUCacheStatistics: Sendable, Equatable {
    public let cachedBytes: Int
    public let liveBytes: Int
    public let peakLiveBytes: Int
  }

  public static var cpuCacheStatistics: CPUCacheStatistics {
    let s = rs_cpu_cache_statistics()
    return CPUCacheStatistics(cachedBytes: Int(s.cached_bytes), liveBytes: Int(s.live_bytes), peakLiveBytes: Int(s.peak_live_bytes))
  }

  /// Free bytes `cacheCPUBlocks` holds now.
  public static var cachedCPUBytes: Int { cpuCacheStatistics.cachedBytes }
  /// libtorch's CPU kernel level plus bf16 features and where float32 products run, e.g.
  /// "simd=AVX512 amx_bf16 avx512_bf16 fp32_products=oneDNN" (see `cpuProductsOnOneDNN`).
  public static var cpuCapability: String {
    var text: UnsafeMutablePointer<CChar>?
    guard rs_cpu_capability(&text) == 0, let text else { return "unknown" }
    defer { rs_free_buffer(text) }
    return String(cString: text)
  }
}
