import Torch

/// Projects one encoder stage to the embedding width: per pixel Linear(C_i → C) with bias
/// (reference `FeatureProjector`, key `proj`), `[B, C_i, H, W]` → `[B, C, H, W]` channels-last.
final class FeatureProjector: Module, UnaryLayer {
  let proj: Linear

  init(inputDim: Int, outputDim: Int) throws {
    proj = try Linear(inputDim, outputDim)
    super.init()
  }

  func callAsFunction(_ x: Tensor) throws -> Tensor {
    let (b, h, w) = (x.shape[0], x.shape[2], x.shape[3])
    let pixels = try proj(x.flatten(startDim: 2).transpose(1, 2))
    // A channels-last view made with permute: a batch-1 reshape of the transposed pixels gets a
    // batch stride that libtorch reads as contiguous, and the neck's bilinear upsampling then
    // converts its output to channels-last and back, and the 1×1 aggregation runs NCHW (2× slower).
    return try pixels.reshape([b, h, w, -1]).permute([0, 3, 1, 2])
  }
}
