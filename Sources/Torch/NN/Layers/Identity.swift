/// `nn.Identity()`: returns its input.
public final class Identity: Module, UnaryLayer {
  public override init() { super.init() }

  public func callAsFunction(_ x: Tensor) throws -> Tensor { x }
}
