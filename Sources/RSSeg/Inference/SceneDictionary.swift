import Torch

/// Which class dictionary the windows of a scene use.
public enum DictionaryScope: String, Sendable, CaseIterable {
  /// Each window pools its own (the model as trained): the result depends on where windows fall.
  case window
  /// One pooled over the scene (`SceneDictionary`), the same in every window.
  case scene
}

/// Pass 1 of a `DictionaryScope.scene` run: the evidence of a `SceneDictionaryModel` summed over
/// the windows of a scene (all of them, or a spread sample of at most
/// `SlidingWindowOptions.dictionaryWindows`), made into the dictionary pass 2 gives every window.
/// Memory stays flat: one evidence record per sampled window, never the windows' features.
/// Under `rsseg launch` the processes run a share of the windows each and all-reduce the
/// records, so all of them get the dictionary one process would make, bit for bit.
public enum SceneDictionary {
  /// The windows pass 1 runs, as (row, column) indices into the window grid: every window when
  /// there are at most `limit`, else every k-th window row and column for the smallest k that
  /// brings them within `limit`, so that the sample covers the scene evenly.
  static func sample(rows: Int, columns: Int, limit: Int) -> [(row: Int, column: Int)] {
    var k = 1
    while ((rows + k - 1) / k) * ((columns + k - 1) / k) > max(limit, 1) { k += 1 }
    return stride(from: 0, to: rows, by: k).flatMap { r in stride(from: 0, to: columns, by: k).map { (r, $0) } }
  }

  /// The windows pass 1 runs over a `width` × `height` scene, as (x, y) of their top left.
  static func windows(_ predictor: SlidingWindowPredictor, width: Int, height: Int) -> [(x: Int, y: Int)] {
    let ys = predictor.windowRows(height: height)
    let xs = WindowGrid.starts(length: width, window: predictor.windowSide(width), stride: predictor.options.tile - predictor.options.overlap)
    return sample(rows: ys.count, columns: xs.count, limit: predictor.options.dictionaryWindows).map { (xs[$0.column], ys[$0.row]) }
  }

  /// The number of windows `make` runs over a `width` × `height` scene (all processes together).
  public static func windowCount(_ predictor: SlidingWindowPredictor, width: Int, height: Int) -> Int {
    windows(predictor, width: width, height: height).count
  }

  /// The scene dictionary of `scene` for `predictor`'s model, on the predictor's device.
  /// - Parameters:
  ///   - group: the processes sharing the scene; nil: this process runs every sampled window.
  ///   - progress: called with the number of windows just run.
  /// - Throws: `InferenceError.invalidArgument` when the model has no class dictionary.
  public static func make(
    _ predictor: SlidingWindowPredictor, scene: SceneReader, group: ProcessGroup? = nil, progress: (Int) -> Void = { _ in }
  ) throws -> Tensor {
    guard let model = predictor.model as? any SceneDictionaryModel else {
      throw InferenceError.invalidArgument("this model has no class dictionary to pool over the scene (use the window dictionary)")
    }
    let options = predictor.options
    let (th, tw) = (predictor.windowSide(scene.height), predictor.windowSide(scene.width))
    let windows = windows(predictor, width: scene.width, height: scene.height)
    let (rank, processes) = (group?.rank ?? 0, group?.worldSize ?? 1)
    let (mean, std) = try predictor.normalizers()
    // Under autocast, each weight is cast once for the whole scene (Torch.withRepeatedInference).
    return try Torch.withRepeatedInference {
      // One record per sampled window, zero where a window is all nodata or another process's.
      let records = try Tensor.zeros([windows.count] + model.dictionaryEvidenceShape)
      var pending: [(index: Int, input: Tensor)] = []
      func runPending() throws {
        guard !pending.isEmpty else { return }
        let input = try Tensor.stack(pending.map(\.input), dim: 0).transferred(to: options.device)
        let evidence = try options.precision.run(on: options.device) { try model.dictionaryEvidence(input) }
          .to(.cpu, dtype: .float32)
        for (i, window) in pending.enumerated() { try records[window.index].copy_(evidence[i]) }
        progress(pending.count)
        pending.removeAll()
      }
      for (i, (x, y)) in windows.enumerated() where i % processes == rank {
        guard
          let input = try predictor.normalizedWindow(
            scene, x: x, y: y, rows: min(th, scene.height - y), height: th, width: tw, mean: mean, std: std)
        else {
          progress(1)
          continue
        }
        pending.append((i, input))
        if pending.count == options.batch { try runPending() }
      }
      try runPending()
      try group?.allReduce([records])
      return try model.sceneDictionary(evidence: records.sum(dim: 0)).transferred(to: options.device)
    }
  }
}
