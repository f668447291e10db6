import CTorch

/// Measures what calling libtorch from Swift costs on top of calling it from C++: the same op
/// looped in Swift (through CTorch, with a Swift `Tensor` per result) and inside C++.
public enum DispatchBenchmark {
  public struct Case: Encodable, Sendable {
    public let op: String
    public let shape: [Int]
    public let iterations: Int
    /// Mean microseconds per call from Swift.
    public let swiftMicroseconds: Double
    /// Mean microseconds per call in a C++ loop.
    public let cppMicroseconds: Double
    public var overheadMicroseconds: Double { swiftMicroseconds - cppMicroseconds }

    enum CodingKeys: String, CodingKey {
      case op, shape, iterations
      case swiftMicroseconds = "swift_us", cppMicroseconds = "cpp_us", overheadMicroseconds = "overhead_us"
    }

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(op, forKey: .op)
      try c.encode(shape, forKey: .shape)
      try c.encode(iterations, forKey: .iterations)
      try c.encode(swiftMicroseconds, forKey: .swiftMicroseconds)
      try c.encode(cppMicroseconds, forKey: .cppMicroseconds)
      try c.encode(overheadMicroseconds, forKey: .overheadMicroseconds)
    }
  }

  /// Runs every case `repeats` times and keeps each side's fastest mean (the least disturbed run).
  public static func run(iterations: Int = 100_000, repeats: Int = 5) throws -> [Case] {
    let a = try Tensor.rand([4])
    let b = try Tensor.rand([4])
    let add = try measure(op: "add", shape: [4], iterations: iterations, repeats: repeats,
      swift: { _ = try a + b },
      cpp: { n, ns in rs_bench_add_loop(a.handle, b.handle, n, ns) })

    let x = try Tensor.rand([1, 8, 8, 8])
    let w = try Tensor.rand([8, 8, 3, 3])
    let bias = try Tensor.rand([8])
    let convIterations = max(iterations / 10, 1)
    let conv = try measure(op: "conv2d", shape: [1, 8, 8, 8], iterations: convIterations, repeats: repeats,
      swift: { _ = try Functional.conv2d(x, weight: w, bias: bias, padding: 1) },
      cpp: { n, ns in rs_bench_conv2d_loop(x.handle, w.handle, bias.handle, n, ns) })
    return [add, conv]
  }

  private static func measure(
    op: String, shape: [Int], iterations: Int, repeats: Int,
    swift: () throws -> Void,
    cpp: (Int64, UnsafeMutablePointer<Double>) -> rs_status
  ) throws -> Case {
    var bestSwift = Double.infinity
    var bestCpp = Double.infinity
    for _ in 0..<repeats {
      let clock = ContinuousClock()
      let elapsed = try clock.measure { for _ in 0..<iterations { try swift() } }
      bestSwift = min(bestSwift, elapsed.seconds * 1e6 / Double(iterations))
      var ns = 0.0
      try check(cpp(Int64(iterations), &ns), "bench \(op)")
      bestCpp = min(bestCpp, ns / 1000)
    }
    return Case(op: op, shape: shape, iterations: iterations, swiftMicroseconds: bestSwift, cppMicroseconds: bestCpp)
  }
}
