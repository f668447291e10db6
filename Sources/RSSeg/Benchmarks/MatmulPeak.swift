import Torch

/// The device's matrix-product peak as the model's own products would see it: square products
/// through `Tensor.matmul` (libtorch's BLAS on the CPU at the current thread count, cuBLAS on a
/// GPU) and `Functional.linear` (oneDNN for float32 on CPUs where libtorch allows it), fp32 and
/// bf16, the best of a few runs after a warm-up. It is the ceiling the model's rooflines are
/// measured against.
public enum MatmulPeak {
  public struct Result: Encodable, Sendable {
    /// GFLOP/s (2 per multiply-add).
    public let fp32: Double
    public let bf16: Double
    /// The side of the square products timed in fp32 and in bf16.
    public let size: Int
    public let bf16Size: Int

    enum CodingKeys: String, CodingKey {
      case fp32, bf16, size
      case bf16Size = "bf16_size"
    }
  }

  /// Side 8192 on a GPU. On the CPU the side doubles from 512 up to 2048 while one product takes
  /// under 50 ms: where the CPU only emulates bf16, libtorch's bf16 products run in its reference
  /// gemm, two orders of magnitude slower, and side 2048 would take minutes.
  public static func measure(on device: Device, synchronize: () throws -> Void = {}) throws -> Result {
    let (first, last) = device.isCUDA ? (8192, 8192) : (512, 2048)
    let clock = ContinuousClock()
    func seconds(_ body: () throws -> Void) throws -> Double {
      try clock.measure {
        try body()
        try synchronize()
      }.seconds
    }
    // The faster of libtorch's matmul and rsseg's linear, whose float32 products run on oneDNN
    // (faster than libtorch's sgemm on some CPUs): what the model's products can reach.
    func rate(_ dtype: DType) throws -> (gflops: Double, size: Int) {
      var n = first
      while true {
        let a = try Tensor.randn([n, n], dtype: dtype, device: device)
        let b = try Tensor.randn([n, n], dtype: dtype, device: device)
        let products = [{ _ = try a.matmul(b) }, { _ = try Functional.linear(a, weight: b) }]
        // Each once after a warm-up; at the side kept, the best of three.
        var best = try products.map { product in
          try product()
          return try seconds(product)
        }.min() ?? .infinity
        if n < last && best < 0.05 {
          n *= 2
          continue
        }
        for _ in 0..<2 { for product in products { best = min(best, try seconds(product)) } }
        return (2 * Double(n * n * n) / best / 1e9, n)
      }
    }
    let (fp32, bf16) = (try rate(.float32), try rate(.bfloat16))
    return Result(fp32: fp32.gflops, bf16: bf16.gflops, size: fp32.size, bf16Size: bf16.size)
  }
}
