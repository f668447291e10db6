import Torch

/// One stage of the official Swin (`BasicLayer`): `depth` blocks alternating regular and
/// shifted windows, then (except in the last stage) patch merging. Keys: `blocks.<j>.*`,
/// `downsample.*`.
///
/// Subclassed by LAVT's `MultiModalSwinLayer`, which adds language fusion between the blocks and
/// the patch merging.
public class SwinLayer: Module {
  public let dim: Int
  public let windowSize: Int
  let blocks: [SwinBlock]
  let downsample: PatchMerging?
  /// Recompute each block during backward instead of keeping its activations (the official
  /// `use_checkpoint`): training memory traded for a second forward pass of the blocks.
  public var useCheckpoint = false
  /// The last windows and the device they were built for (inputs of one size repeat, e.g.
  /// every training batch).
  private var cachedWindows: (device: Device, windows: SwinWindowing)?

  /// Stage `i` of `config` (its blocks' drop rates are its slice of `config.blockDropRates`;
  /// every stage but the last ends with patch merging).
  public init(_ config: SwinConfig, stage i: Int) throws {
    let first = config.depths[..<i].reduce(0, +)
    let rates = config.blockDropRates[first..<(first + config.depths[i])]
    dim = config.dim(stage: i)
    windowSize = config.windowSize
    blocks = try rates.enumerated().map { j, rate in
      try SwinBlock(
        dim: config.dim(stage: i), numHeads: config.numHeads[i], windowSize: config.windowSize,
        shiftSize: j % 2 == 0 ? 0 : config.windowSize / 2, mlpRatio: config.mlpRatio, qkvBias: config.qkvBias,
        dropPath: rate)
    }
    downsample = i < config.depths.count - 1 ? try PatchMerging(dim: config.dim(stage: i)) : nil
    super.init()
  }

  /// The blocks on tokens `[B, H·W, C]` of an `height`×`width` map (one `SwinWindowing`
  /// serves every block).
  public func runBlocks(_ x: Tensor, height h: Int, width w: Int) throws -> Tensor {
    let windows = try windowing(batch: x.shape[0], height: h, width: w, device: x.device)
    return try blocks.reduce(x) { x, block in
      guard useCheckpoint else { return try block(x, windows: windows) }
      // The recomputation skips the MLP's last product: only its graph is needed there.
      return try Torch.checkpoint([x]) { inputs, recomputing in
        [try block(inputs[0], windows: windows, backwardOnly: recomputing)]
      }[0]
    }
  }

  private func windowing(batch: Int, height h: Int, width w: Int, device: Device) throws -> SwinWindowing {
    if let cached = cachedWindows, cached.device == device, cached.windows.batch == batch, cached.windows.height == h,
      cached.windows.width == w
    {
      return cached.windows
    }
    let windows = try SwinWindowing(batch: batch, height: h, width: w, windowSize: windowSize, device: device)
    cachedWindows = (device, windows)
    return windows
  }

  /// The next stage's tokens and map size, or nil in the last stage.
  public func merge(_ x: Tensor, height h: Int, width w: Int) throws -> (tokens: Tensor, height: Int, width: Int)? {
    guard let downsample else { return nil }
    return (try downsample(x, height: h, width: w), (h + 1) / 2, (w + 1) / 2)
  }
}

/// Per-stage output norms `norm0`, `norm1`, … and the `[B, H·W, C]` → `[B, C, H, W]` reshape of
/// the official segmentation backbones.
enum SwinStageOutput {
  static func map(_ tokens: Tensor, norm: LayerNorm, height h: Int, width w: Int) throws -> Tensor {
    let c = tokens.shape[2]
    return try norm(tokens).view([-1, h, w, c]).permute([0, 3, 1, 2]).contiguous()
  }
}
