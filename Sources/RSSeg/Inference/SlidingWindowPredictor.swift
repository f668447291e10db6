import Raster
import Torch

/// How windows are laid over a scene and run.
public struct SlidingWindowOptions: Sendable {
  /// Window side in pixels (a multiple of the model's `sizeMultiple`).
  public var tile = 1024
  /// Pixels shared by neighbouring windows.
  public var overlap = 256
  /// Windows per forward pass.
  public var batch = 1
  public var tta = TestTimeAugmentation.none
  /// Run under bfloat16 autocast.
  public var bf16 = false
  /// Smallest blending weight (at window corners).
  public var weightFloor: Float = 0.05
  /// Also blend the heatmaps of a `HeatmapSegmentationModel` (after the logits in `PredictedRows`).
  public var heatmaps = false

  public init(
    tile: Int = 1024, overlap: Int = 256, batch: Int = 1, tta: TestTimeAugmentation = .none, bf16: Bool = false, heatmaps: Bool = false
  ) {
    self.tile = tile
    self.overlap = overlap
    self.batch = batch
    self.tta = tta
    self.bf16 = bf16
    self.heatmaps = heatmaps
  }
}

/// Finished rows of a scene starting at row `y`: blended logits `[N, rows, W]` (float32),
/// followed by L·N heatmap channels when heatmaps were asked for.
public struct PredictedRows {
  public let y: Int
  public let logits: Tensor

  public init(y: Int, logits: Tensor) {
    self.y = y
    self.logits = logits
  }
}

/// Slides a `SegmentationModel` over a scene in overlapping windows and blends their logits
/// with `BlendingWindow` weights. Streaming: windows are run one window-row at a time and
/// blended logits are kept only for the rows those windows cover (`tile × W` per class); rows no
/// later window touches are handed to `emit` and dropped, so memory does not grow with the
/// scene's height.
public struct SlidingWindowPredictor {
  public let model: any SegmentationModel
  public let normalization: Normalization
  public let options: SlidingWindowOptions

  public init(model: any SegmentationModel, normalization: Normalization, options: SlidingWindowOptions) throws {
    let m = model.sizeMultiple
    guard options.tile > 0, options.tile % m == 0 else {
      throw InferenceError.invalidArgument("--tile \(options.tile) must be a positive multiple of \(m)")
    }
    guard options.overlap >= 0, options.overlap < options.tile else {
      throw InferenceError.invalidArgument("--overlap \(options.overlap) must be at least 0 and less than the tile (\(options.tile))")
    }
    guard options.batch > 0 else { throw InferenceError.invalidArgument("--batch must be positive") }
    if options.heatmaps, !(model is any HeatmapSegmentationModel) {
      throw InferenceError.invalidArgument("this model has no heatmaps")
    }
    self.model = model
    self.normalization = normalization
    self.options = options
  }

  /// The number of windows `predict` runs over a `width` × `height` scene.
  public func windowCount(width: Int, height: Int) -> Int {
    let (th, tw) = (windowSide(height), windowSide(width))
    let stride = options.tile - options.overlap
    return WindowGrid.starts(length: height, window: th, stride: stride).count
      * WindowGrid.starts(length: width, window: tw, stride: stride).count
  }

  /// Predicts the whole scene, handing finished rows to `emit` top to bottom; `progress` is
  /// called with the number of windows just run.
  public func predict(_ scene: SceneRows, progress: (Int) -> Void = { _ in }, emit: (PredictedRows) throws -> Void) throws {
    let (width, height) = (scene.width, scene.height)
    let (th, tw) = (windowSide(height), windowSide(width))
    let stride = options.tile - options.overlap
    let ys = WindowGrid.starts(length: height, window: th, stride: stride)
    let xs = WindowGrid.starts(length: width, window: tw, stride: stride)
    let n = channelCount
    let weights = try BlendingWindow.weights(height: th, width: tw, floor: options.weightFloor)
    let mean = try Tensor(normalization.mean.map { $0 * 255 }, shape: [normalization.mean.count, 1, 1])
    let std = try Tensor(normalization.std.map { $0 * 255 }, shape: [normalization.std.count, 1, 1])
    guard normalization.mean.count == scene.bands.count else {
      throw InferenceError.invalidArgument(
        "the model takes \(normalization.mean.count) bands but \(scene.bands.count) were selected")
    }

    try Torch.withInferenceMode {
      var sum = try Tensor.zeros([n, th, width])
      var weightSum = try Tensor.zeros([th, width])
      var base = 0  // the scene row of `sum`'s first row
      for (k, y) in ys.enumerated() {
        let rows = min(th, height - y)
        let strip = try normalizedStrip(scene, y: y, rows: rows, height: th, width: max(width, tw), mean: mean, std: std)
        for first in Swift.stride(from: 0, to: xs.count, by: options.batch) {
          let batchXs = Array(xs[first..<min(xs.count, first + options.batch)])
          let input = try Tensor.stack(batchXs.map { try strip[.all, .all, $0..<($0 + tw)] }, dim: 0)
          let logits = try forward(input)
          for (i, x) in batchXs.enumerated() {
            let cols = min(tw, width - x)
            let w = try weights[0..<rows, 0..<cols]
            let target = y - base
            try sum[.all, target..<(target + rows), x..<(x + cols)].add_(try logits[i, .all, 0..<rows, 0..<cols] * w)
            try weightSum[target..<(target + rows), x..<(x + cols)].add_(w)
          }
          progress(batchXs.count)
        }
        // Rows above the next window-row are final.
        let next = k + 1 < ys.count ? ys[k + 1] : height
        let done = next - base
        try emit(PredictedRows(y: base, logits: try sum[.all, 0..<done] / weightSum[.newAxis, 0..<done]))
        sum = try Tensor.cat([sum[.all, done...], Tensor.zeros([n, done, width])], dim: 1)
        weightSum = try Tensor.cat([weightSum[done...], Tensor.zeros([done, width])], dim: 0)
        base = next
      }
    }
  }

  /// Channels of `PredictedRows.logits`.
  public var channelCount: Int {
    guard options.heatmaps, let model = model as? any HeatmapSegmentationModel else { return model.classCount }
    return model.classCount * (1 + model.heatmapLayerCount)
  }

  /// Windows are `tile` wide, or the scene's side rounded up to the size multiple when smaller.
  func windowSide(_ length: Int) -> Int {
    let m = model.sizeMultiple
    return min(options.tile, (length + m - 1) / m * m)
  }

  /// Rows `y ..< y + rows` normalised `[C, height, width]`, zero (the mean) at nodata pixels
  /// and in the padding below and right of the scene.
  func normalizedStrip(_ scene: SceneRows, y: Int, rows: Int, height: Int, width: Int, mean: Tensor, std: Tensor) throws -> Tensor {
    let (pixels, nodata) = try scene.read(y: y, count: rows)
    var x = try (Tensor(pixels.values, shape: [pixels.bands, rows, pixels.width]) - mean) / std
    if let nodata {
      x = try x.maskedFill(Tensor(nodata, shape: [1, rows, pixels.width]), 0)
    }
    if rows < height || pixels.width < width {
      x = try Functional.pad(x, [0, width - pixels.width, 0, height - rows])
    }
    return x
  }

  func forward(_ x: Tensor) throws -> Tensor {
    let heatmapModel = options.heatmaps ? model as? any HeatmapSegmentationModel : nil
    let run = { try options.tta.logits(x) { try heatmapModel?.logitsWithHeatmaps($0) ?? model.logits($0) } }
    let y = options.bf16 ? try Torch.withAutocast(dtype: .bfloat16, device: .cpu, run) : try run()
    return try y.to(.float32)
  }
}
