import Foundation
import Raster
import RSSegModels
import Torch

/// The files of one scene segmented for T sentences, written block by block as the blocks of a
/// `ReferringWindowModel` arrive. For sentence t (1-based k = t + 1), through a
/// `PredictionWriter` with the classes background/target: `<stem>_text<k>.tif` the mask
/// (0 background, 1 target, 255 nodata; the input's georeferencing), `<stem>_text<k>.png` its
/// preview, `<stem>_text<k>_probabilities.tif` the target probability (×254, 255 nodata),
/// `<stem>_text<k>_overlay.png` the image with the target tinted and the sentence written on
/// it, with heatmaps `<stem>_text<k>_heatmaps.tif`/`.png` (per stage: background, target), and
/// with polygons `<stem>_text<k>_polygons.<ext>` (the target's regions; background gets none).
/// Then `<stem>_refer.json` lists the sentences, their files and predicted target pixels: it is
/// the scene's `SceneFiles.marker`, written last.
public final class ReferringWriter: SceneWriter {
  public static let classes = SegmentationClasses(names: ["background", "target"], palette: [RGB(0, 0, 0), RGB(255, 40, 40)])

  public let scene: SceneReader
  public let sentences: [String]
  public let files: SceneFiles
  private let writers: [PredictionWriter]
  private let heatmapLayers: Int
  private var targetPixels: [Int]

  /// What a caller chooses of each sentence's files.
  public struct Outputs: Sendable {
    /// Heatmap layers to write (0 = none).
    public var heatmapLayers = 0
    public var cloudOptimized = false
    /// The target's polygons (background is always ignored).
    public var polygons: PolygonOptions? = nil

    public init(heatmapLayers: Int = 0, cloudOptimized: Bool = false, polygons: PolygonOptions? = nil) {
      self.heatmapLayers = heatmapLayers
      self.cloudOptimized = cloudOptimized
      self.polygons = polygons
    }
  }

  /// Per-sentence output options.
  public static func options(sentence: String, outputs: Outputs) -> PredictionOptions {
    var options = PredictionOptions(probabilities: .uint8, overlay: true, heatmapLayers: outputs.heatmapLayers, force: true)
    options.probabilityClasses = [1]
    options.overlayClasses = [1]
    options.caption = sentence
    options.cloudOptimized = outputs.cloudOptimized
    options.polygons = outputs.polygons.map { polygons in
      var target = polygons
      target.ignoredClasses.insert(0)
      return target
    }
    return options
  }

  /// The file stem of sentence `t` (0-based) of scene `stem`.
  public static func stem(_ stem: String, sentence t: Int) -> String { "\(stem)_text\(t + 1)" }

  /// Every file written for `stem`, per sentence, then the summary.
  public static func files(directory: String, stem: String, sentences: [String], outputs: Outputs) -> SceneFiles {
    let perSentence = sentences.enumerated().flatMap { t, sentence in
      PredictionFiles(directory: directory, stem: Self.stem(stem, sentence: t), options: options(sentence: sentence, outputs: outputs)).scene.all
    }
    return SceneFiles(perSentence + [URL(fileURLWithPath: directory).appendingPathComponent("\(stem)_refer.json").path])
  }

  /// Opens the outputs (`SceneFiles.prepare`: an existing summary throws
  /// `InferenceError.outputExists` unless `force`).
  public init(scene: SceneReader, sentences: [String], directory: String, stem: String, outputs: Outputs = Outputs(), force: Bool = false) throws {
    self.scene = scene
    self.sentences = sentences
    heatmapLayers = outputs.heatmapLayers
    files = Self.files(directory: directory, stem: stem, sentences: sentences, outputs: outputs)
    try files.prepare(force: force)
    writers = try sentences.enumerated().map { t, sentence in
      try PredictionWriter(
        scene: scene, classes: Self.classes, directory: directory, stem: Self.stem(stem, sentence: t),
        options: Self.options(sentence: sentence, outputs: outputs))
    }
    targetPixels = Array(repeating: 0, count: sentences.count)
  }

  /// Splits a finished block (logits `[2T, h, w]`, heatmaps `[L·2T, h, w]`) into each
  /// sentence's (background, target) logits and maps, and writes them.
  public func write(_ block: PredictedBlock) throws {
    let t = sentences.count
    let valid = try block.nodata.map { nodata in try Tensor(nodata.map { !$0 }, shape: [block.height, block.width]) }
    for (k, writer) in writers.enumerated() {
      let logits = try block.logits.narrow(dim: 0, start: 2 * k, length: 2)
      let heatmaps = try block.heatmaps.map { heatmaps in
        let channels = (0..<heatmapLayers).flatMap { (l: Int) -> [Int64] in [Int64(2 * t * l + 2 * k), Int64(2 * t * l + 2 * k + 1)] }
        return try heatmaps.indexSelect(dim: 0, index: Tensor(channels))
      }
      try writer.write(
        PredictedBlock(x: block.x, y: block.y, logits: logits, heatmaps: heatmaps, nodata: block.nodata, image: block.image))
      var target = try logits[1].gt(logits[0])
      if let valid { target = try target.logicalAnd(valid) }
      targetPixels[k] += try target.sum(dtype: .int64).int()
    }
  }

  /// Finishes every sentence's files, then writes the summary.
  public func finish() throws {
    for writer in writers { try writer.finish() }
    let entries: [[String: Any]] = sentences.enumerated().map { t, sentence in
      [
        "index": t + 1, "text": sentence, "target_pixels": targetPixels[t],
        "files": writers[t].files.all.map { URL(fileURLWithPath: $0).lastPathComponent },
      ]
    }
    let summary: [String: Any] = [
      "image": scene.dataset.path, "width": scene.width, "height": scene.height, "sentences": entries,
    ]
    let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
    try writeAtomically(data, to: URL(fileURLWithPath: files.marker))
  }
}
