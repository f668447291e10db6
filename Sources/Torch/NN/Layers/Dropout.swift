/// `nn.Dropout(p)`: active in training mode only.
public final class Dropout: Module, UnaryLayer {
  public let p: Double

  public init(_ p: Double = 0.5) throws {
    guard (0...1).contains(p) else { throw TorchError.invalidArgument("Dropout: probability \(p) is outside [0, 1]") }
    self.p = p
    super.init()
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try Functional.dropout(x, p: p, training: training)
  }
}
