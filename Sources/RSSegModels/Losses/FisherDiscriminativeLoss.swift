import Torch

/// Fisher discriminative loss of class embeddings D `[B, N, C]`, across the batch:
/// μ_n = mean_b D[b, n]; Sw = mean over (b, n) of ‖D[b, n] − μ_n‖²;
/// Sb = max(mean over pairs n < m of ‖μ_n − μ_m‖², `minBetween`); loss = Sw / (Sb + eps).
/// Returns a 0-dim tensor.
public struct FisherDiscriminativeLoss {
  public var eps: Double
  public var minBetween: Double

  public init(eps: Double = 1e-6, minBetween: Double = 1e-4) {
    self.eps = eps
    self.minBetween = minBetween
  }

  public func callAsFunction(_ embeddings: Tensor) throws -> Tensor {
    guard embeddings.rank == 3, embeddings.shape[1] >= 2 else {
      throw TorchError.invalidArgument("FisherDiscriminativeLoss: expected [B, N ≥ 2, C], got \(embeddings.shape)")
    }
    let n = embeddings.shape[1]
    let means = try embeddings.mean(dim: 0)
    let within = try (embeddings - means.unsqueeze(0)).square().sum(dim: 2).mean()
    // The pairwise matrix is symmetric with a zero diagonal: its sum is twice the n<m sum.
    let pairwise = try (means.unsqueeze(1) - means.unsqueeze(0)).square().sum(dim: 2)
    let between = try (pairwise.sum() / Double(n * (n - 1))).clamp(min: .float(minBetween))
    return try within / (between + eps)
  }
}
