import CTorch

/// One CUDA device as the CUDA runtime describes it.
public struct CUDADeviceInfo: Sendable, Equatable {
  public let index: Int
  /// The marketing name, e.g. "NVIDIA H100 80GB HBM3".
  public let name: String
  public let totalMemoryBytes: Int
  public let computeCapability: (major: Int, minor: Int)
  /// Streaming multiprocessors.
  public let multiprocessors: Int
  /// Native bfloat16 arithmetic (compute capability 8.0, Ampere, or newer).
  public let nativeBF16: Bool

  public static func == (a: CUDADeviceInfo, b: CUDADeviceInfo) -> Bool {
    a.index == b.index && a.name == b.name && a.totalMemoryBytes == b.totalMemoryBytes
      && a.computeCapability == b.computeCapability && a.multiprocessors == b.multiprocessors
      && a.nativeBF16 == b.nativeBF16
  }
}

/// The CUDA caching allocator's bytes on one device (all pools): handed out to tensors
/// (`allocated`) and held from the driver, in use or cached (`reserved`), now and at their peak
/// since the start or the last `Torch.resetPeakCUDAMemory` (torch.cuda.memory_stats).
public struct CUDAMemoryStatistics: Sendable, Equatable {
  public let allocatedBytes: Int
  public let peakAllocatedBytes: Int
  public let reservedBytes: Int
  public let peakReservedBytes: Int
}

extension Torch {
  /// Whether this build has the CUDA runtime queries: it was built against a CUDA libtorch with
  /// the CUDA runtime headers. Without them the CUDA functions below throw.
  public static var builtWithCUDA: Bool { rs_cuda_built() != 0 }

  /// The CUDA devices present, in index order (empty without CUDA).
  public static var cudaDevices: [CUDADeviceInfo] {
    guard builtWithCUDA else { return [] }
    return (0..<cudaDeviceCount).compactMap { try? cudaDevice($0) }
  }

  /// Properties of CUDA device `index` (-1 = the current device).
  public static func cudaDevice(_ index: Int) throws -> CUDADeviceInfo {
    var info = rs_cuda_device_info()
    try check(rs_cuda_device_properties(Int32(index), &info), "cudaDevice(\(index))")
    let name = withUnsafeBytes(of: info.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    return CUDADeviceInfo(
      index: index, name: name, totalMemoryBytes: Int(info.total_memory_bytes),
      computeCapability: (Int(info.major), Int(info.minor)), multiprocessors: Int(info.multiprocessors),
      nativeBF16: info.native_bf16 != 0)
  }

  /// The caching allocator's statistics for CUDA device `index` (-1 = the current device).
  public static func cudaMemory(_ index: Int) throws -> CUDAMemoryStatistics {
    var s = rs_cuda_memory()
    try check(rs_cuda_memory_stats(Int32(index), &s), "cudaMemory(\(index))")
    return CUDAMemoryStatistics(
      allocatedBytes: Int(s.allocated_bytes), peakAllocatedBytes: Int(s.peak_allocated_bytes),
      reservedBytes: Int(s.reserved_bytes), peakReservedBytes: Int(s.peak_reserved_bytes))
  }

  /// Starts the peaks of `cudaMemory(index)` over from the current values.
  public static func resetPeakCUDAMemory(_ index: Int) throws {
    try check(rs_cuda_reset_peak_memory(Int32(index)), "resetPeakCUDAMemory(\(index))")
  }

  /// Hands the caching allocator's unused cached blocks back to the driver
  /// (torch.cuda.empty_cache).
  public static func emptyCUDACache() throws {
    try check(rs_cuda_empty_cache(), "emptyCUDACache")
  }

  /// Waits until all work queued on CUDA device `index` (-1 = the current device) has finished.
  public static func synchronizeCUDA(_ index: Int) throws {
    try check(rs_cuda_synchronize(Int32(index)), "synchronizeCUDA(\(index))")
  }

  /// cuDNN's algorithm choice: `deterministic` keeps to deterministic algorithms
  /// (torch.backends.cudnn.deterministic); `benchmark` times the candidates for each new input
  /// shape and keeps the fastest (torch.backends.cudnn.benchmark). Harmless without cuDNN.
  public static func configureCuDNN(deterministic: Bool, benchmark: Bool) throws {
    try check(rs_cudnn_configure(deterministic ? 1 : 0, benchmark ? 1 : 0), "configureCuDNN")
  }

  /// torch.use_deterministic_algorithms: operations without a deterministic implementation then
  /// throw (or, with `warnOnly`, warn).
  public static func useDeterministicAlgorithms(_ enabled: Bool, warnOnly: Bool = false) throws {
    try check(rs_use_deterministic_algorithms(enabled ? 1 : 0, warnOnly ? 1 : 0), "useDeterministicAlgorithms")
  }
}

extension Tensor {
  /// A copy of this CPU tensor in page-locked host memory, from which copies to a CUDA device can
  /// run asynchronously (`to(..., nonBlocking: true)`). Throws where libtorch has no CUDA, so
  /// pin only when `Torch.cudaAvailable`.
  public func pinnedMemory() throws -> Tensor {
    try makeTensor("pinnedMemory") { rs_tensor_pin_memory($0, handle) }
  }

  /// Whether this tensor lives in pinned host memory (false without CUDA).
  public var isPinned: Bool { rs_tensor_is_pinned(handle) != 0 }
}
