/// `nn.GELU(approximate="none" | "tanh")`.
public final class GELU: Module, UnaryLayer {
  public let approximateTanh: Bool

  public init(approximateTanh: Bool = false) {
    self.approximateTanh = approximateTanh
    super.init()
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.gelu(approximate: approximateTanh) }
}
