import Torch

/// Projects one encoder stage to the embedding width: per pixel Linear(C_i → C) with bias
/// (reference `FeatureProjector`, key `proj`), `[B, C_i, H, W]` → `[B, C, H, W]`, applied here
/// together with the neck's aggregation (`BiCoRSeg.neck`).
final class FeatureProjector: Module {
  let proj: Linear

  init(inputDim: Int, outputDim: Int) throws {
    proj = try Linear(inputDim, outputDim)
    super.init()
  }

  /// The projection followed by the per-pixel map `mix` `[C', C]`, as one Linear(C_i → C') with
  /// weight mix·W and bias mix·b; channels-last. Those products run in float32 even under
  /// autocast, so that only the combined weights are rounded to its dtype.
  func callAsFunction(_ x: Tensor, mixedBy mix: Tensor) throws -> Tensor {
    let (weight, bias) = try Torch.withoutAutocast(on: x.device) {
      (try mix.matmul(proj.weight), try proj.bias.map { try mix.matmul($0) })
    }
    let (b, h, w) = (x.shape[0], x.shape[2], x.shape[3])
    let pixels = try Functional.linear(x.flatten(startDim: 2).transpose(1, 2), weight: weight, bias: bias)
    // A channels-last view made with permute: a batch-1 reshape of the transposed pixels gets a
    // batch stride that libtorch reads as contiguous, and the neck's bilinear upsampling then
    // converts its output to channels-last and back.
    return try pixels.reshape([b, h, w, -1]).permute([0, 3, 1, 2])
  }
}
