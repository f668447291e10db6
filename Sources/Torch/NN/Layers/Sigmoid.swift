/// `nn.Sigmoid()`.
public final class Sigmoid: Module, UnaryLayer {
  public override init() { super.init() }

  public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.sigmoid() }
}
