/// Stochastic depth per sample (timm `DropPath`, torchvision `StochasticDepth(p, "row")`):
/// active in training mode only.
public final class DropPath: Module, UnaryLayer {
  public let p: Double

  public init(_ p: Double) throws {
    guard (0...1).contains(p) else { throw TorchError.invalidArgument("DropPath: probability \(p) is outside [0, 1]") }
    self.p = p
    super.init()
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try Functional.dropPath(x, p: p, training: training)
  }
}
