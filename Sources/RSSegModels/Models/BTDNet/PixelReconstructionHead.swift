import Torch

/// D-MOLS pixel head: the image from the decoder's stride-4 features, Conv 1×1 → PixelShuffle(4)
/// → 3 channels (normalised pixels). Training only. Key: `proj`.
public final class PixelReconstructionHead: Module {
  @ModuleInfo public var proj: Conv2d
  public let shuffle = PixelShuffle(4)

  public init(inChannels: Int) throws {
    super.init()
    proj = try Conv2d(inChannels, 3 * 16, kernelSize: 1)
  }

  /// `[B, C, h, w]` → `[B, 3, 4h, 4w]`.
  public func callAsFunction(_ features: Tensor) throws -> Tensor {
    try shuffle(proj(features))
  }
}
