import Foundation
import Raster
import RSSeg
import RSSegModels
import Torch

/// A segmentation model ready to run, as `predict` runs it.
public struct SegmentationSetup {
  public let network: BiCoRSeg
  public let description: ModelDescription
  /// 0-based scene bands in the model's channel order.
  public let bands: [Int]
  public let windows: SlidingWindowOptions

  public init(network: BiCoRSeg, description: ModelDescription, bands: [Int], windows: SlidingWindowOptions) {
    self.network = network
    self.description = description
    self.bands = bands
    self.windows = windows
  }
}

/// A referring model ready to run, as `refer` runs it.
public struct ReferringSetup {
  public let model: ReferringSegmenter
  public let description: ModelDescription
  public let text: ReferringText
  public let bands: [Int]
  public let windows: SlidingWindowOptions

  public init(model: ReferringSegmenter, description: ModelDescription, text: ReferringText, bands: [Int], windows: SlidingWindowOptions) {
    self.model = model
    self.description = description
    self.text = text
    self.bands = bands
    self.windows = windows
  }
}

/// Runs the page's jobs through `SceneRun`, the path of `predict` and `refer`: over the whole
/// scene, or over a view (a VRT of that window in `<outputs>/.views`, so the outputs are the
/// window's, georeferenced where it lies), writing what those commands write into the outputs
/// folder, and painting each finished block into the run's live class map.
final class SceneInference: @unchecked Sendable {
  // @unchecked: used by one job at a time (`JobQueue`).
  let segmentation: SegmentationSetup
  let referring: ReferringSetup?
  let catalog: Catalog

  init(segmentation: SegmentationSetup, referring: ReferringSetup?, catalog: Catalog) {
    self.segmentation = segmentation
    self.referring = referring
    self.catalog = catalog
  }

  /// Segments `area` of `scene` (the whole scene: its own file, as `predict SCENE` would).
  func segment(
    scene: ServedScene, area: PixelWindow, into layers: PredictionLayers, events: (SceneRun.Event) -> Void,
    painted: @escaping (PixelWindow) -> Void, cancelled: @escaping () -> Bool
  ) throws -> OutputFiles {
    let image = try self.image(of: scene, area: area, stem: Catalog.viewStem(scene: scene.name, area: area), wholeAsIs: true)
    let options = catalog.predictionOptions
    var run = try SceneRun(images: [image], force: true) { self.catalog.predictionFiles(stem: $0).scene }
    run.progress = false
    let predictor = try SlidingWindowPredictor(
      model: segmentation.network, normalization: segmentation.description.normalization, options: segmentation.windows)
    try run.run(predictor, bands: segmentation.bands, makeWriter: { reader, scene in
      LiveWriter(
        try PredictionWriter(
          scene: reader, classes: self.segmentation.description.classes, directory: self.catalog.outputs, stem: scene.stem, options: options),
        live: layers.live, painted: painted, cancelled: cancelled)
    }, report: events)
    return OutputFiles(catalog.predictionFiles(stem: run.scenes[0].stem), classes: layers.classes.count, heatmapLayers: catalog.heatmapLayers)
  }

  /// Segments what `sentence` describes in `area` of `scene`; the `query`-th sentence asked.
  func refer(
    _ sentence: String, query: Int, scene: ServedScene, area: PixelWindow, into layers: PredictionLayers,
    events: (SceneRun.Event) -> Void, painted: @escaping (PixelWindow) -> Void, cancelled: @escaping () -> Bool
  ) throws -> OutputFiles {
    guard let referring else { throw RequestError.badRequest("no --referring-model was given") }
    let image = try self.image(
      of: scene, area: area, stem: "\(scene.name)_query\(query)_\(area.x)_\(area.y)_\(area.width)_\(area.height)", wholeAsIs: false)
    let outputs = ReferringWriter.Outputs(polygons: PolygonOptions(format: .geojson))
    var run = try SceneRun(images: [image], force: true) {
      ReferringWriter.files(directory: self.catalog.outputs, stem: $0, sentences: [sentence], outputs: outputs)
    }
    run.progress = false
    let device = referring.windows.device
    let model = try ReferringWindowModel(model: referring.model, tokens: try referring.text.batch([sentence]), device: device)
    let predictor = try SlidingWindowPredictor(
      model: model, normalization: referring.description.normalization, options: referring.windows)
    try run.run(predictor, bands: referring.bands, makeWriter: { reader, scene in
      LiveWriter(
        try ReferringWriter(scene: reader, sentences: [sentence], directory: self.catalog.outputs, stem: scene.stem, outputs: outputs, force: true),
        live: layers.live, painted: painted, cancelled: cancelled)
    }, report: events)
    let stem = ReferringWriter.stem(run.scenes[0].stem, sentence: 0)
    var files = OutputFiles(
      PredictionFiles(directory: catalog.outputs, stem: stem, options: ReferringWriter.options(sentence: sentence, outputs: outputs)),
      classes: 2, heatmapLayers: 0)
    files.probabilityClasses = [1]
    return files
  }

  /// The file `SceneRun` reads: a VRT of `area` named `stem` (its outputs' stem), or with
  /// `wholeAsIs` the scene itself when `area` is all of it.
  private func image(of scene: ServedScene, area: PixelWindow, stem: String, wholeAsIs: Bool) throws -> String {
    if wholeAsIs, area == PixelWindow(x: 0, y: 0, width: scene.dataset.width, height: scene.dataset.height) { return scene.path }
    let folder = URL(fileURLWithPath: catalog.outputs).appendingPathComponent(".views")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent(stem + ".vrt").path
    try WindowFile.write(source: URL(fileURLWithPath: scene.path).standardizedFileURL.path, window: area, to: path)
    return path
  }
}

/// Hands a scene's blocks to its writer and paints their classes into the run's live class map.
final class LiveWriter: SceneWriter {
  private let writer: any SceneWriter
  private let live: LiveClassMap?
  private let painted: (PixelWindow) -> Void
  private let cancelled: () -> Bool

  init(_ writer: any SceneWriter, live: LiveClassMap?, painted: @escaping (PixelWindow) -> Void, cancelled: @escaping () -> Bool) {
    self.writer = writer
    self.live = live
    self.painted = painted
    self.cancelled = cancelled
  }

  var files: SceneFiles { writer.files }

  func write(_ block: PredictedBlock) throws {
    // A cancelled run stops here; its writers' unfinished files are discarded with them.
    if cancelled() { throw JobCancelled() }
    try writer.write(block)
    guard let live else { return }
    var labels = try block.logits.argmax(dim: 0).to(.uint8).scalars(as: UInt8.self)
    if let nodata = block.nodata { for i in labels.indices where nodata[i] { labels[i] = LiveClassMap.unpainted } }
    live.paint(block.window, labels: labels)
    painted(block.window)
  }

  func finish() throws { try writer.finish() }
}
