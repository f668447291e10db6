import CTorch

/// Where the time of a span of ops goes, by op name (`Torch.profileOps`): the numbers
/// torch.profiler's `key_averages()` gives as "Self CPU" and "CPU total" for the same events.
public struct OpTime: Sendable, Equatable, Encodable {
  /// The ATen op ("aten::mm") or autograd node ("autograd::engine::evaluate_function: MmBackward0").
  public var name: String
  public var calls: Int
  /// Seconds inside the op less those inside the recorded ops it called.
  public var selfSeconds: Double
  public var totalSeconds: Double

  enum CodingKeys: String, CodingKey {
    case name, calls
    case selfSeconds = "self_s"
    case totalSeconds = "total_s"
  }
}

extension Torch {
  /// Runs `body` and returns the time of the ops it ran on this thread (forward, and backward,
  /// which libtorch runs on the calling thread for CPU tensors), largest self time first.
  /// - Parameter byShapes: tell ops apart by their tensor inputs' shapes too (the name then
  ///   reads "aten::copy_ [2, 64, 128, 128] [2, 64, 128, 128]").
  public static func profileOps(byShapes: Bool = false, _ body: () throws -> Void) throws -> [OpTime] {
    try check(rs_profile_start(byShapes ? 1 : 0), "profileOps")
    var ops: UnsafeMutablePointer<rs_op_time>?
    var count: Int64 = 0
    do {
      try body()
    } catch {
      if rs_profile_stop(&ops, &count) == 0 { rs_profile_free(ops, count) }
      throw error
    }
    try check(rs_profile_stop(&ops, &count), "profileOps")
    defer { rs_profile_free(ops, count) }
    return (0..<Int(count)).map { i in
      let op = ops![i]
      return OpTime(
        name: String(cString: op.name), calls: Int(op.calls), selfSeconds: Double(op.self_ns) / 1e9,
        totalSeconds: Double(op.total_ns) / 1e9)
    }
  }
}
