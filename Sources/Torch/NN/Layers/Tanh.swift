/// `nn.Tanh()`.
public final class Tanh: Module, UnaryLayer {
  public override init() { super.init() }

  public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.tanh() }
}
