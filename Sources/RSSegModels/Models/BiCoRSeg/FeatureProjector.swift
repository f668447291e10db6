import Torch

/// Projects one encoder stage to the embedding width: per pixel Linear(C_i → C) with bias
/// (reference `FeatureProjector`, key `proj`), `[B, C_i, H, W]` → `[B, C, H, W]`.
final class FeatureProjector: Module, UnaryLayer {
  let proj: Linear

  init(inputDim: Int, outputDim: Int) throws {
    proj = try Linear(inputDim, outputDim)
    super.init()
  }

  func callAsFunction(_ x: Tensor) throws -> Tensor {
    let (b, h, w) = (x.shape[0], x.shape[2], x.shape[3])
    let pixels = try proj(x.flatten(startDim: 2).transpose(1, 2))
    return try pixels.transpose(1, 2).reshape([b, -1, h, w])
  }
}
