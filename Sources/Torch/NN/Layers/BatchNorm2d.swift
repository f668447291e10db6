/// `nn.BatchNorm2d` on `[N, C, H, W]`. Keys: `weight`, `bias` (parameters) and the buffers
/// `running_mean`, `running_var`, `num_batches_tracked` (int64, 0-dim).
///
/// In training the batch statistics normalise and update the running ones
/// (`running = (1 - momentum) · running + momentum · batch`, unbiased variance); in evaluation
/// the running statistics normalise.
public final class BatchNorm2d: Module, UnaryLayer {
  public let weight: Tensor?
  public let bias: Tensor?
  @BufferInfo(key: "running_mean") public var runningMean: Tensor?
  @BufferInfo(key: "running_var") public var runningVar: Tensor?
  @BufferInfo public var numBatchesTracked: Tensor?
  public let eps: Double
  public let momentum: Double

  public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double = 0.1, affine: Bool = true, trackRunningStats: Bool = true) throws {
    self.eps = eps
    self.momentum = momentum
    weight = affine ? try Init.parameter([numFeatures]) : nil
    bias = affine ? try Init.parameter([numFeatures]) : nil
    _runningMean.wrappedValue = trackRunningStats ? try Tensor.zeros([numFeatures]) : nil
    _runningVar.wrappedValue = trackRunningStats ? try Tensor.ones([numFeatures]) : nil
    _numBatchesTracked = BufferInfo(
      wrappedValue: trackRunningStats ? try Tensor.zeros([], dtype: .int64) : nil, key: "num_batches_tracked")
    super.init()
    if let weight { try Init.ones_(weight) }
    if let bias { try Init.zeros_(bias) }
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == 4 else { throw TorchError.invalidArgument("BatchNorm2d: expected [N, C, H, W], got \(x.shape)") }
    if training, let numBatchesTracked {
      try Torch.withNoGrad { _ = try numBatchesTracked.add_(1) }
    }
    return try Functional.batchNorm(
      x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
      training: training || runningMean == nil, momentum: momentum, eps: eps)
  }
}
