import Torch

/// The device's matrix-product peak as the model's own products would see it: square products
/// through `Tensor.matmul` (libtorch's BLAS on the CPU at the current thread count, cuBLAS on a
/// GPU) and `Functional.linear` (oneDNN for float32 on CPUs where libtorch allows it), fp32 and bf16, the best of a few
/// runs after a warm-up. It is the ceiling the model's
/// rooflines are measured against.
public enum MatmulPeak {
  public struct Result: Encodable, Sendable {
    /// GFLOP/s (2 per multiply-add).
    public let fp32: Double
    public let bf16: Double
    /// The side of the square products.
    public let size: Int
  }

  /// Side 2048 on the CPU (a fraction of a second each), 8192 on a GPU.
  public static func measure(on device: Device, synchronize: () throws -> Void = {}) throws -> Result {
    let n: Int
    if case .cuda = device { n = 8192 } else { n = 2048 }
    // The faster of libtorch's matmul and rsseg's linear, whose float32 products run on oneDNN
    // (faster than libtorch's sgemm on some CPUs): what the model's products can reach.
    func rate(_ dtype: DType) throws -> Double {
      let a = try Tensor.randn([n, n], dtype: dtype, device: device)
      let b = try Tensor.randn([n, n], dtype: dtype, device: device)
      var best = Double.infinity
      for product in [{ try a.matmul(b) }, { try Functional.linear(a, weight: b) }] {
        _ = try product()
        try synchronize()
        let clock = ContinuousClock()
        for _ in 0..<3 {
          let elapsed = try clock.measure {
            _ = try product()
            try synchronize()
          }
          best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
      }
      return 2 * Double(n * n * n) / best / 1e9
    }
    return Result(fp32: try rate(.float32), bf16: try rate(.bfloat16), size: n)
  }
}
