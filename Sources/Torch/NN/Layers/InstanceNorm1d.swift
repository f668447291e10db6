/// `nn.InstanceNorm1d` on `[N, C, L]` (PyTorch defaults: no affine, no running stats).
/// Keys with `affine`: `weight`, `bias`.
public final class InstanceNorm1d: Module, UnaryLayer {
  public let weight: Tensor?
  public let bias: Tensor?
  public let eps: Double

  public init(_ numFeatures: Int, eps: Double = 1e-5, affine: Bool = false) throws {
    self.eps = eps
    weight = affine ? try Init.parameter([numFeatures]) : nil
    bias = affine ? try Init.parameter([numFeatures]) : nil
    super.init()
    if let weight { try Init.ones_(weight) }
    if let bias { try Init.zeros_(bias) }
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == 3 else { throw TorchError.invalidArgument("InstanceNorm1d: expected [N, C, L], got \(x.shape)") }
    return try Functional.instanceNorm(x, weight: weight, bias: bias, eps: eps)
  }
}
