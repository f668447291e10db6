import CTorch

extension Functional {
  /// `F.cross_entropy` on logits `[N, C, *]` (or `[C]`) and int64 class indices `[N, *]`.
  ///
  /// - Parameters:
  ///   - weight: a rescaling weight per class `[C]`; the mean divides by the summed weights of
  ///     the non-ignored targets.
  ///   - ignoreIndex: targets with this value add nothing to the loss or its normaliser.
  ///   - labelSmoothing: ε in [0, 1]; the target becomes (1-ε)·one-hot + ε/C.
  public static func crossEntropy(
    _ logits: Tensor, target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
    reduction: Reduction = .mean, labelSmoothing: Double = 0
  ) throws -> Tensor {
    try makeTensor("cross_entropy") {
      rs_cross_entropy($0, logits.handle, target.handle, weight?.handle, reduction.c, Int64(ignoreIndex), labelSmoothing)
    }
  }

  /// `F.nll_loss` on log-probabilities `[N, C, *]` and int64 class indices `[N, *]`.
  public static func nllLoss(
    _ logProbs: Tensor, target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
    reduction: Reduction = .mean
  ) throws -> Tensor {
    try makeTensor("nll_loss") {
      rs_nll_loss($0, logProbs.handle, target.handle, weight?.handle, reduction.c, Int64(ignoreIndex))
    }
  }

  /// `F.binary_cross_entropy_with_logits` (numerically stable sigmoid + BCE).
  public static func binaryCrossEntropyWithLogits(
    _ logits: Tensor, target: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
    reduction: Reduction = .mean
  ) throws -> Tensor {
    try makeTensor("binary_cross_entropy_with_logits") {
      rs_bce_with_logits($0, logits.handle, target.handle, weight?.handle, posWeight?.handle, reduction.c)
    }
  }
}
