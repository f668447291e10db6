import Raster
import RSSegModels
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
  public var precision = Precision.fp32
  /// Where the model runs (it must be there already): windows go there in batches, logits come
  /// back, and the blending stays in host memory, flat in scene size.
  public var device = Device.cpu
  /// Smallest blending weight (at window corners).
  public var weightFloor: Float = 0.05
  /// Also blend the heatmaps of a `HeatmapSegmentationModel` (`PredictedBlock.heatmaps`).
  public var heatmaps = false
  /// Also hand each block its input pixels (`PredictedBlock.image`), e.g. for overlays.
  public var blockImage = false
  /// Most bytes of blended logits held at once; wider scenes are run in bands of columns.
  public var blendBufferBytes = 64 << 20
  /// Which class dictionary the windows use: their own, or one pooled over the scene first
  /// (`SceneDictionary`, a `SceneDictionaryModel` only).
  public var dictionary = DictionaryScope.window
  /// Most windows whose evidence makes a scene dictionary: a spread sample of bigger scenes
  /// (6 of 20 windows already give the agreement of all 20 on the NAIP sample).
  public var dictionaryWindows = 64

  public init(
    tile: Int = 1024, overlap: Int = 256, batch: Int = 1, tta: TestTimeAugmentation = .none, precision: Precision = .fp32,
    heatmaps: Bool = false, blockImage: Bool = false
  ) {
    self.tile = tile
    self.overlap = overlap
    self.batch = batch
    self.tta = tta
    self.precision = precision
    self.heatmaps = heatmaps
    self.blockImage = blockImage
  }
}

/// Slides a `SegmentationModel` over a scene in overlapping windows and blends their logits
/// with `BlendingWindow` weights. Streaming, so memory does not grow with the scene: each window
/// reads only its own pixels; the scene is run in bands of neighbouring window columns
/// (`ColumnBand`, at most `SlidingWindowOptions.blendBufferBytes` of blended logits each), each
/// band one window-row at a time, keeping only the rows its current windows cover. Finished
/// blocks go to `emit` and are dropped; what a band's last windows add to the columns of the
/// next band waits on disk (`TensorSpill`), so no window runs twice.
public struct SlidingWindowPredictor {
  public let model: any SegmentationModel
  public let normalization: Normalization
  public let options: SlidingWindowOptions

  public init(model: any SegmentationModel, normalization: Normalization, options: SlidingWindowOptions) throws {
    let m = model.sizeMultiple
    guard options.tile > 0, options.tile % m == 0 else {
      throw InferenceError.invalidArgument("the tile (\(options.tile) pixels) must be a positive multiple of \(m)")
    }
    guard options.overlap >= 0, options.overlap < options.tile else {
      throw InferenceError.invalidArgument("the overlap (\(options.overlap) pixels) must be at least 0 and less than the tile (\(options.tile))")
    }
    guard options.batch > 0 else { throw InferenceError.invalidArgument("the batch (\(options.batch) windows) must be positive") }
    if options.heatmaps, !(model is any HeatmapSegmentationModel) {
      throw InferenceError.invalidArgument("this model has no heatmaps")
    }
    if options.dictionary == .scene, !(model is any SceneDictionaryModel) {
      throw InferenceError.invalidArgument("this model has no class dictionary to pool over the scene (use the window dictionary)")
    }
    self.model = model
    self.normalization = normalization
    self.options = options
  }

  /// The number of windows `predict` runs over a `width` × `height` scene (or over its `rows`).
  public func windowCount(width: Int, height: Int, rows: Range<Int>? = nil) -> Int {
    let ys = windowRows(height: height)
    let run = rows.map { runRows(ys, height: height, emitting: $0) } ?? ys.indices
    return run.count * WindowGrid.starts(length: width, window: windowSide(width), stride: options.tile - options.overlap).count
  }

  /// Where the window rows of a `height`-pixel scene start. A run's finished rows end where the
  /// next window row starts: the row ranges `predict(rows:)` accepts start and end there.
  public func windowRows(height: Int) -> [Int] {
    WindowGrid.starts(length: height, window: windowSide(height), stride: options.tile - options.overlap)
  }

  /// The window rows (indices into `ys`) that make scene rows `rows` final: those ending
  /// within them, and the earlier ones that reach into them (recomputed by a run of a later
  /// part instead of taken from the run of the part above).
  func runRows(_ ys: [Int], height: Int, emitting rows: Range<Int>) -> Range<Int> {
    let th = windowSide(height)
    let first = ys.firstIndex { $0 + th > rows.lowerBound } ?? ys.count
    let last = ys.lastIndex { $0 < rows.upperBound } ?? -1
    return first..<max(first, last + 1)
  }

  /// Predicts the scene (or only its `rows`, which must start and end where window rows start,
  /// `windowRows`), handing finished blocks to `emit`: the blocks of one band of columns top to
  /// bottom, the bands left to right. `progress` is called with the number of windows just run.
  /// Windows whose pixels are all nodata are not run: every pixel they cover is nodata in the
  /// outputs anyway. A run of `rows` adds the same logits in the same order to each of their
  /// pixels as the run of the whole scene, so its blocks are bit for bit the whole run's.
  /// With `DictionaryScope.scene`, every window uses `dictionary` (`SceneDictionary.make`),
  /// made here over the whole scene when it is nil.
  public func predict(
    _ scene: SceneReader, rows: Range<Int>? = nil, dictionary: Tensor? = nil, progress: (Int) -> Void = { _ in },
    emit: (PredictedBlock) throws -> Void
  ) throws {
    let dictionary = options.dictionary == .scene ? try dictionary ?? SceneDictionary.make(self, scene: scene) : nil
    let (width, height) = (scene.width, scene.height)
    let (th, tw) = (windowSide(height), windowSide(width))
    let stride = options.tile - options.overlap
    let ys = windowRows(height: height)
    let xs = WindowGrid.starts(length: width, window: tw, stride: stride)
    let emitted = rows ?? 0..<height
    guard emitted.lowerBound == 0 || ys.contains(emitted.lowerBound), emitted.upperBound == height || ys.contains(emitted.upperBound),
      emitted.lowerBound >= 0, emitted.upperBound <= height
    else {
      throw InferenceError.invalidArgument("rows \(emitted) of \(scene.dataset.path) do not start and end where window rows start")
    }
    let run = runRows(ys, height: height, emitting: emitted)
    let n = channelCount
    let weights = try BlendingWindow.weights(height: th, width: tw, floor: options.weightFloor)
    let (mean, std) = try normalizers()
    guard normalization.mean.count == scene.bands.count else {
      throw InferenceError.invalidArgument(
        "the model takes \(normalization.mean.count) bands but \(scene.bands.count) were selected")
    }
    // The blending weights are products of a row and a column profile, so the weight sum at a
    // pixel is the product of their sums over the windows that cover its row and its column. A
    // window left out for being all nodata changes it only at nodata pixels.
    let rowWeights = Self.coverage(starts: ys, window: th, length: height, floor: options.weightFloor)
    let columnWeights = Self.coverage(starts: xs, window: tw, length: width, floor: options.weightFloor)
    let bands = ColumnBand.bands(starts: xs, window: tw, length: width, maxWidth: options.blendBufferBytes / (4 * n * th))

    // Under autocast, each weight is cast once for the whole scene (Torch.withRepeatedInference).
    try Torch.withRepeatedInference {
      // What the previous band added beyond its finished columns, one record per window-row.
      var incoming: (spill: TensorSpill, width: Int)?
      for band in bands {
        // Weighted logit sums of the rows the current window-row covers.
        let sum = try Tensor.zeros([n, th, band.width])
        let leftover = band.width - band.finished
        let outgoing = leftover > 0 ? try TensorSpill() : nil
        let bandWeights = try Tensor(Array(columnWeights[band.origin..<(band.origin + band.finished)]), shape: [1, band.finished])
        // Finished rows go out in pieces of about 2 Mpx, so what the outputs derive from them
        // (labels, probabilities, the pixels re-read for the overlay) stays small.
        let emitRows = max(1, (1 << 21) / band.finished)
        var base = run.isEmpty ? 0 : ys[run.lowerBound]  // the scene row of `sum`'s first row
        for k in run {
          let y = ys[k]
          let rows = min(th, height - y)
          var pending: [(x: Int, input: Tensor)] = []
          // The batch launched on the device and not yet blended: on a GPU it runs while the
          // next batch's windows are read (its logits are awaited only when that batch is full).
          var launched: (xs: [Int], logits: Tensor)?
          func blendLaunched() throws {
            guard let (xs, deviceLogits) = launched else { return }
            let logits = try deviceLogits.to(.cpu, dtype: .float32)
            for (i, x) in xs.enumerated() {
              let cols = min(tw, width - x)
              let (top, left) = (y - base, x - band.origin)
              try sum[.all, top..<(top + rows), left..<(left + cols)].add_(try logits[i, .all, 0..<rows, 0..<cols] * weights[0..<rows, 0..<cols])
            }
            progress(xs.count)
            launched = nil
          }
          func launchPending() throws {
            try blendLaunched()
            guard !pending.isEmpty else { return }
            launched = (pending.map(\.x), try launch(Tensor.stack(pending.map(\.input), dim: 0), dictionary: dictionary))
            pending.removeAll()
          }
          for x in xs[band.windows] {
            guard let input = try normalizedWindow(scene, x: x, y: y, rows: rows, height: th, width: tw, mean: mean, std: std) else {
              progress(1)
              continue
            }
            pending.append((x, input))
            if pending.count == options.batch { try launchPending() }
          }
          try launchPending()
          try blendLaunched()
          // Rows above the next window-row are final in this band's columns, once what the
          // previous band's windows added to them is in.
          let next = k + 1 < ys.count ? ys[k + 1] : height
          let done = next - base
          let finished = try sum.narrow(dim: 1, start: 0, length: done)
          if let incoming {
            try finished.narrow(dim: 2, start: 0, length: incoming.width).add_(incoming.spill.next(shape: [n, done, incoming.width]))
          }
          try outgoing?.append(finished.narrow(dim: 2, start: band.finished, length: leftover))
          // Rows above `emitted` are what a run of the part above emits.
          for first in Swift.stride(from: max(0, emitted.lowerBound - base), to: done, by: emitRows) {
            let range = first..<min(done, first + emitRows)
            let rowWeight = try Tensor(Array(rowWeights[(base + range.lowerBound)..<(base + range.upperBound)]), shape: [range.count, 1])
            let blended = try finished[.all, range, 0..<band.finished] / (rowWeight * bandWeights)
            try emit(block(blended, x: band.origin, y: base + first, scene: scene))
          }
          try shiftUp(sum, by: done, dim: 1)
          base = next
        }
        incoming = outgoing.map { ($0, leftover) }
      }
    }
  }

  /// A finished block from its blended channels, with the nodata mask and the pixels it needs
  /// read from the scene once.
  private func block(_ blended: Tensor, x: Int, y: Int, scene: SceneReader) throws -> PredictedBlock {
    let n = model.classCount
    let heatmaps = channelCount > n ? try blended.narrow(dim: 0, start: n, length: channelCount - n) : nil
    let logits = heatmaps == nil ? blended : try blended.narrow(dim: 0, start: 0, length: n)
    let window = PixelWindow(x: x, y: y, width: blended.shape[2], height: blended.shape[1])
    guard scene.hasNodata || options.blockImage else { return PredictedBlock(x: x, y: y, logits: logits, heatmaps: heatmaps) }
    let (pixels, nodata) = try scene.read(window)
    return PredictedBlock(x: x, y: y, logits: logits, heatmaps: heatmaps, nodata: nodata, image: options.blockImage ? pixels : nil)
  }

  /// The sum of the blending profiles of windows at `starts` at each position along an axis.
  static func coverage(starts: [Int], window: Int, length: Int, floor: Float) -> [Float] {
    let profile = BlendingWindow.profile(size: window, floor: floor)
    var total = [Float](repeating: 0, count: length)
    for start in starts {
      for i in 0..<min(window, length - start) { total[start + i] += profile[i] }
    }
    return total
  }

  /// Moves rows `by...` of `t` to the top along `dim` and zeroes the rest, in place, copying
  /// pieces no taller than `by` so that source and destination never overlap.
  private func shiftUp(_ t: Tensor, by: Int, dim: Int) throws {
    let length = t.shape[dim]
    let keep = max(0, length - by)
    for first in Swift.stride(from: 0, to: keep, by: max(by, 1)) {
      let count = min(by, keep - first)
      try t.narrow(dim: dim, start: first, length: count).copy_(t.narrow(dim: dim, start: first + by, length: count))
    }
    try t.narrow(dim: dim, start: keep, length: length - keep).zero_()
  }

  /// Channels blended: the logits, then the heatmaps when asked for.
  var channelCount: Int {
    guard options.heatmaps, let model = model as? any HeatmapSegmentationModel else { return model.classCount }
    return model.classCount * (1 + model.heatmapLayerCount)
  }

  /// Windows are `tile` wide, or the scene's side rounded up to the size multiple when smaller.
  func windowSide(_ length: Int) -> Int {
    let m = model.sizeMultiple
    return min(options.tile, (length + m - 1) / m * m)
  }

  /// The mean and standard deviation of the model's inputs on the 0–255 pixel scale `[C, 1, 1]`.
  func normalizers() throws -> (mean: Tensor, std: Tensor) {
    let count = normalization.mean.count
    return (try Tensor(normalization.mean.map { $0 * 255 }, shape: [count, 1, 1]), try Tensor(normalization.std.map { $0 * 255 }, shape: [count, 1, 1]))
  }

  /// The window at (`x`, `y`) normalised `[C, height, width]`, zero (the mean) at nodata pixels;
  /// nil when every pixel is nodata. A window reaching past the scene (a scene side shorter than
  /// the tile) is padded below and right by mirroring the scene, or with zeros where the scene is
  /// too small to mirror: a flat strip there changed the classes of 14 % of the pixels near
  /// those edges against tilings whose windows end at the edge (README, "Results that hold
  /// across tilings").
  func normalizedWindow(
    _ scene: SceneReader, x: Int, y: Int, rows: Int, height: Int, width: Int, mean: Tensor, std: Tensor
  ) throws -> Tensor? {
    let cols = min(width, scene.width - x)
    let (pixels, nodata) = try scene.read(PixelWindow(x: x, y: y, width: cols, height: rows))
    var window = try (Tensor(pixels.values, shape: [pixels.bands, rows, cols]) - mean) / std
    if let nodata {
      if !nodata.contains(false) { return nil }
      window = try window.maskedFill(Tensor(nodata, shape: [1, rows, cols]), 0)
    }
    if rows < height || cols < width {
      let mirror = width - cols < cols && height - rows < rows  // reflection needs a padding under the side
      window = try Functional.pad(window, [0, width - cols, 0, height - rows], mode: mirror ? .reflect : .constant(0))
    }
    return window
  }

  /// The logits (and heatmaps) of a batch of windows, on the device: on a GPU the work is only
  /// queued when this returns. With a scene `dictionary`, the model uses it in every window.
  func launch(_ x: Tensor, dictionary: Tensor? = nil) throws -> Tensor {
    let input = try x.transferred(to: options.device)
    let forward: (Tensor) throws -> Tensor
    if let dictionary, let model = model as? any SceneDictionaryModel {
      forward = { options.heatmaps ? try model.logitsWithHeatmaps($0, dictionary: dictionary) : try model.logits($0, dictionary: dictionary) }
    } else {
      let heatmapModel = options.heatmaps ? model as? any HeatmapSegmentationModel : nil
      forward = { try heatmapModel?.logitsWithHeatmaps($0) ?? model.logits($0) }
    }
    return try options.precision.run(on: options.device) { try options.tta.logits(input, forward) }
  }
}
