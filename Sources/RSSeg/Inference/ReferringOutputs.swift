import Foundation
import Raster
import Torch

/// The files of one scene segmented for T sentences, written block by block as the blocks of a
/// `ReferringWindowModel` arrive. For sentence t (1-based k = t + 1), through `PredictionOutputs`
/// with the classes background/target: `<stem>_text<k>.tif` the mask (0 background, 1 target,
/// 255 nodata; the input's georeferencing), `<stem>_text<k>.png` its preview,
/// `<stem>_text<k>_probabilities.tif` the target probability (×254, 255 nodata),
/// `<stem>_text<k>_overlay.png` the image with the target tinted and the sentence written on it,
/// and with maps `<stem>_text<k>_heatmaps.tif`/`.png` (per stage: background, target). Then
/// `<stem>_refer.json` lists the sentences, their files and predicted target pixels.
public final class ReferringOutputs {
  public static let classes = SegmentationClasses(names: ["background", "target"], palette: [RGB(0, 0, 0), RGB(255, 40, 40)])

  public let scene: SceneRows
  public let sentences: [String]
  public let summaryPath: String
  private let outputs: [PredictionOutputs]
  private let mapLayers: Int
  private var targetPixels: [Int]

  /// Per-sentence output options.
  static func options(sentence: String, mapLayers: Int, force: Bool) -> PredictionOutputOptions {
    var options = PredictionOutputOptions(probabilities: .uint8, overlay: true, heatmapLayers: mapLayers, force: force)
    options.probabilityClasses = [1]
    options.overlayClasses = [1]
    options.caption = sentence
    return options
  }

  static func stem(_ stem: String, sentence t: Int) -> String { "\(stem)_text\(t + 1)" }

  /// Every file written for `stem`, the summary last.
  public static func paths(directory: String, stem: String, sentences: [String], mapLayers: Int) -> [String] {
    sentences.enumerated().flatMap { t, sentence in
      PredictionOutputs.paths(
        directory: directory, stem: Self.stem(stem, sentence: t), options: options(sentence: sentence, mapLayers: mapLayers, force: false))
    } + [URL(fileURLWithPath: directory).appendingPathComponent("\(stem)_refer.json").path]
  }

  /// Opens the outputs; throws `InferenceError.outputExists` for an existing summary unless
  /// `force`. The summary is written last, so files without it are what an interrupted run left:
  /// they are replaced.
  public init(scene: SceneRows, sentences: [String], directory: String, stem: String, mapLayers: Int = 0, force: Bool = false) throws {
    self.scene = scene
    self.sentences = sentences
    self.mapLayers = mapLayers
    summaryPath = Self.paths(directory: directory, stem: stem, sentences: [], mapLayers: 0)[0]
    if !force, FileManager.default.fileExists(atPath: summaryPath) { throw InferenceError.outputExists(path: summaryPath) }
    outputs = try sentences.enumerated().map { t, sentence in
      try PredictionOutputs(
        scene: scene, classes: Self.classes, directory: directory, stem: Self.stem(stem, sentence: t),
        options: Self.options(sentence: sentence, mapLayers: mapLayers, force: true))
    }
    targetPixels = Array(repeating: 0, count: sentences.count)
  }

  /// Every file, per sentence, then the summary.
  public var paths: [String] { outputs.flatMap(\.paths) + [summaryPath] }

  /// Splits a finished block `[2T (1 + L), h, w]` into each sentence's (background, target)
  /// logits and maps, and writes them.
  public func write(_ block: PredictedBlock) throws {
    let t = sentences.count
    // One read of the input serves every sentence's overlay and nodata mask.
    let input = try scene.read(block.window)
    let valid = try input.nodata.map { nodata in try Tensor(nodata.map { !$0 }, shape: [block.height, block.width]) }
    for (k, output) in outputs.enumerated() {
      let channels = ([0] + (0..<mapLayers).map { 2 * t * ($0 + 1) }).flatMap { [$0 + 2 * k, $0 + 2 * k + 1] }
      let logits = try block.logits.indexSelect(dim: 0, index: Tensor(channels.map(Int64.init)))
      try output.write(PredictedBlock(x: block.x, y: block.y, logits: logits), input: input)
      var target = try logits[1].gt(logits[0])
      if let valid { target = try target.logicalAnd(valid) }
      targetPixels[k] += try target.sum(dtype: .int64).int()
    }
  }

  /// Finishes every file, then writes the summary (atomically).
  public func finish() throws {
    for output in outputs { try output.finish() }
    let entries: [[String: Any]] = sentences.enumerated().map { t, sentence in
      [
        "index": t + 1, "text": sentence, "target_pixels": targetPixels[t],
        "files": outputs[t].paths.map { URL(fileURLWithPath: $0).lastPathComponent },
      ]
    }
    let summary: [String: Any] = [
      "image": scene.dataset.path, "width": scene.width, "height": scene.height, "sentences": entries,
    ]
    let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: summaryPath), options: .atomic)
  }
}
