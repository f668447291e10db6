/// `nn.Sequential`: applies its layers in order. Children are keyed `0`, `1`, … as in PyTorch
/// (`Sequential(conv, bn)` → `0.weight`, `1.running_mean`).
public final class Sequential: Module, UnaryLayer {
  public let layers: [any UnaryLayer]

  public init(_ layers: [any UnaryLayer]) {
    self.layers = layers
    super.init()
  }

  public convenience init(_ layers: any UnaryLayer...) { self.init(layers) }

  public override func entries() -> [ModuleEntry] {
    layers.enumerated().map { ModuleEntry(key: String($0.offset), item: .module($0.element)) }
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try layers.reduce(x) { try $1($0) }
  }
}
