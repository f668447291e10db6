/// `nn.ReLU()`.
public final class ReLU: Module, UnaryLayer {
  public override init() { super.init() }

  public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.relu() }
}
