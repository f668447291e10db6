import CTorch

extension Functional {
  /// `F.layer_norm` over the trailing `normalizedShape` dimensions.
  public static func layerNorm(
    _ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5
  ) throws -> Tensor {
    try withInt64s(normalizedShape) { p, n in
      try makeTensor("layer_norm") { rs_layer_norm($0, x.handle, p, n, weight?.handle, bias?.handle, eps) }
    }
  }

  /// `F.batch_norm` on `[N, C, *]`. In training it normalises with batch statistics and, when
  /// running statistics are given, updates them in place:
  /// `running = (1 - momentum) · running + momentum · batch` (variance unbiased).
  public static func batchNorm(
    _ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
    training: Bool = false, momentum: Double = 0.1, eps: Double = 1e-5
  ) throws -> Tensor {
    if !training && (runningMean == nil || runningVar == nil) {
      throw TorchError.invalidArgument("batchNorm: evaluation mode needs running mean and variance")
    }
    return try makeTensor("batch_norm") {
      rs_batch_norm($0, x.handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle,
                    training ? 1 : 0, momentum, eps)
    }
  }

  /// `F.group_norm` on `[N, C, *]` with C divisible by `groups`.
  public static func groupNorm(
    _ x: Tensor, groups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5
  ) throws -> Tensor {
    try makeTensor("group_norm") { rs_group_norm($0, x.handle, Int64(groups), weight?.handle, bias?.handle, eps) }
  }

  /// `F.instance_norm` on `[N, C, *]`: per-sample, per-channel statistics.
  public static func instanceNorm(
    _ x: Tensor, runningMean: Tensor? = nil, runningVar: Tensor? = nil, weight: Tensor? = nil,
    bias: Tensor? = nil, useInputStats: Bool = true, momentum: Double = 0.1, eps: Double = 1e-5
  ) throws -> Tensor {
    try makeTensor("instance_norm") {
      rs_instance_norm($0, x.handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle,
                       useInputStats ? 1 : 0, momentum, eps)
    }
  }
}
