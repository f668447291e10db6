/// `nn.SiLU()`.
public final class SiLU: Module, UnaryLayer {
  public override init() { super.init() }

  public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.silu() }
}
