import Torch

/// The official `PatchMerging`: each 2×2 neighbourhood concatenated (order x0 = (0,0),
/// x1 = (1,0), x2 = (0,1), x3 = (1,1)) → LayerNorm(4C) → Linear 4C→2C without bias. Odd maps are
/// padded at bottom/right first. Keys: `norm`, `reduction`.
public final class PatchMerging: Module {
  let norm: LayerNorm
  let reduction: Linear

  public init(dim: Int) throws {
    norm = try LayerNorm(4 * dim)
    reduction = try Linear(4 * dim, 2 * dim, bias: false)
    super.init()
  }

  /// `[B, H·W, C]` of an `height`×`width` map → `[B, ⌈H/2⌉·⌈W/2⌉, 2C]`.
  public func callAsFunction(_ x: Tensor, height h: Int, width w: Int) throws -> Tensor {
    let (b, c) = (x.shape[0], x.shape[2])
    var map = try x.view([b, h, w, c])
    if h % 2 == 1 || w % 2 == 1 { map = try Functional.pad(map, [0, 0, 0, w % 2, 0, h % 2]) }
    let even = TensorIndex.slice(0, nil, step: 2)
    let odd = TensorIndex.slice(1, nil, step: 2)
    let parts = try [(even, even), (odd, even), (even, odd), (odd, odd)].map { rows, cols in
      try map[.all, rows, cols, .all]
    }
    return try reduction(norm(Tensor.cat(parts, dim: -1).view([b, -1, 4 * c])))
  }
}

/// The official `PatchEmbed`: pads H and W up to patch multiples, Conv(patch, stride patch),
/// then LayerNorm over channels. Keys: `proj`, `norm`.
public final class PatchEmbed: Module {
  public let patchSize: Int
  let proj: Conv2d
  let norm: LayerNorm?

  public init(patchSize: Int, inChannels: Int, embedDim: Int, patchNorm: Bool) throws {
    self.patchSize = patchSize
    proj = try Conv2d(inChannels, embedDim, kernelSize: SpatialSize([patchSize]), stride: SpatialSize([patchSize]))
    norm = patchNorm ? try LayerNorm(embedDim) : nil
    super.init()
  }

  /// `[B, C_in, H, W]` → tokens `[B, Wh·Ww, C]` and the map size (Wh, Ww).
  public func callAsFunction(_ x: Tensor) throws -> (tokens: Tensor, height: Int, width: Int) {
    let (h, w) = (x.shape[2], x.shape[3])
    let p = patchSize
    let padded = try Functional.pad(x, [0, (p - w % p) % p, 0, (p - h % p) % p])
    let map = try proj(padded)
    let (wh, ww) = (map.shape[2], map.shape[3])
    var tokens = try map.flatten(startDim: 2).transpose(1, 2)
    if let norm { tokens = try norm(tokens) }
    return (tokens, wh, ww)
  }
}
