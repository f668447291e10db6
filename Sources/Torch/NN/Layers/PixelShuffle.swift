/// `nn.PixelShuffle(r)`: `[N, C·r², H, W]` → `[N, C, H·r, W·r]`.
public final class PixelShuffle: Module, UnaryLayer {
  public let upscaleFactor: Int

  public init(_ upscaleFactor: Int) {
    self.upscaleFactor = upscaleFactor
    super.init()
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try Functional.pixelShuffle(x, upscaleFactor: upscaleFactor)
  }
}
