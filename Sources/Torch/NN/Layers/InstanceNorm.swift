/// Instance normalisation shared by `InstanceNorm1d` and `InstanceNorm2d` (PyTorch defaults: no
/// affine, no running stats). Keys with `affine`: `weight`, `bias`.
public class InstanceNorm: Module, UnaryLayer {
  public let weight: Tensor?
  public let bias: Tensor?
  public let eps: Double
  /// The input layout this layer accepts, e.g. `[N, C, L]`.
  private let layout: [String]

  init(_ numFeatures: Int, eps: Double, affine: Bool, layout: [String]) throws {
    self.eps = eps
    self.layout = layout
    weight = affine ? try Init.parameter([numFeatures]) : nil
    bias = affine ? try Init.parameter([numFeatures]) : nil
    super.init()
    if let weight { try Init.ones_(weight) }
    if let bias { try Init.zeros_(bias) }
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == layout.count else {
      throw TorchError.invalidArgument(
        "\(type(of: self)): expected [\(layout.joined(separator: ", "))], got \(x.shape)")
    }
    return try Functional.instanceNorm(x, weight: weight, bias: bias, eps: eps)
  }
}

/// `nn.InstanceNorm1d` on `[N, C, L]`.
public final class InstanceNorm1d: InstanceNorm {
  public init(_ numFeatures: Int, eps: Double = 1e-5, affine: Bool = false) throws {
    try super.init(numFeatures, eps: eps, affine: affine, layout: ["N", "C", "L"])
  }
}

/// `nn.InstanceNorm2d` on `[N, C, H, W]`.
public final class InstanceNorm2d: InstanceNorm {
  public init(_ numFeatures: Int, eps: Double = 1e-5, affine: Bool = false) throws {
    try super.init(numFeatures, eps: eps, affine: affine, layout: ["N", "C", "H", "W"])
  }
}
