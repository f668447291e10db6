import Torch

/// A loss of class logits `[B, N, H, W]` against integer labels `[B, H, W]` (int64).
/// Each loss reduces with a `Reduction` (`.none` keeps its natural per-item shape, documented
/// on the type); `.mean` is the reference behaviour.
public protocol SegmentationLoss {
  func callAsFunction(_ logits: Tensor, _ target: Tensor) throws -> Tensor
}

extension Reduction {
  /// Applies this reduction to unreduced losses.
  func apply(_ losses: Tensor) throws -> Tensor {
    switch self {
    case .none: return losses
    case .mean: return try losses.mean()
    case .sum: return try losses.sum()
    }
  }
}

/// Checks the shapes every segmentation loss expects.
func checkSegmentationInputs(_ logits: Tensor, _ target: Tensor, _ name: String) throws {
  guard logits.rank == 4, target.rank == 3, logits.shape[0] == target.shape[0],
    Array(logits.shape[2...]) == Array(target.shape[1...])
  else {
    throw TorchError.invalidArgument("\(name): expected logits [B, N, H, W] and labels [B, H, W], got \(logits.shape) and \(target.shape)")
  }
  guard target.dtype == .int64 else {
    throw TorchError.invalidArgument("\(name): labels must be int64, got \(target.dtype)")
  }
}

/// One-hot targets `[B, N, H, W]` (logits' dtype) and the kept-pixel mask `[B, H, W]` (1 where the
/// label is not `ignoreIndex`); ignored pixels get an all-zero one-hot row.
func oneHotTargets(_ target: Tensor, classes: Int, ignoreIndex: Int?, dtype: DType) throws -> (oneHot: Tensor, keep: Tensor) {
  let keep = try ignoreIndex.map { try target.ne(.int(Int64($0))) }
    ?? Tensor.ones(target.shape, dtype: .bool, device: target.device)
  let labels = try target * keep.to(.int64)
  let oneHot = try Functional.oneHot(labels, numClasses: classes).permute([0, 3, 1, 2]).to(dtype)
  let keepFloat = try keep.to(dtype)
  return (try oneHot * keepFloat.unsqueeze(1), keepFloat)
}
