import Foundation
import Raster
import RSSeg
import RSSegModels

/// The files of one run that the map shows: a class map and, where the run wrote them,
/// probabilities (band b = class `probabilityClasses[b]`), heatmaps (band l·N + c = layer l,
/// class c) and polygons.
struct OutputFiles: Sendable {
  var classMap: String
  var probabilities: String?
  var probabilityClasses: [Int]
  var heatmaps: String?
  var heatmapLayers: Int
  var polygons: String?

  /// The files of a `predict` run (`PredictionFiles`) that are there.
  init(_ files: PredictionFiles, classes: Int, heatmapLayers: Int) {
    func existing(_ path: String?) -> String? { path.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil } }
    classMap = files.classMap
    probabilities = existing(files.probabilities)
    probabilityClasses = Array(0..<classes)
    heatmaps = existing(files.heatmapRaster)
    self.heatmapLayers = heatmaps == nil ? 0 : heatmapLayers
    polygons = existing(files.polygons)
  }
}

/// One run shown on the map: its class map over the scene pixels `area`, its legend, and its
/// other layers. While the run goes on only its live class map is there; `complete(with:)` swaps
/// in the files it wrote.
final class PredictionLayers: @unchecked Sendable {
  // @unchecked: `state` is touched only under `lock`.
  let id: String
  let sceneID: String
  let title: String
  let area: PixelWindow
  let classes: SegmentationClasses
  /// Drawn in their palette colours; the others (a referring background) are left clear.
  let colours: ColourTable
  private let lock = NSLock()
  private var state: State

  private enum State {
    case running(LiveClassMap)
    case complete(OutputFiles, opened: [String: RasterDataset])
    case failed
  }

  init(id: String, sceneID: String, title: String, area: PixelWindow, classes: SegmentationClasses, hidden: Set<Int>, files: OutputFiles?) {
    self.id = id
    self.sceneID = sceneID
    self.title = title
    self.area = area
    self.classes = classes
    colours = .classes(classes.palette, hidden: hidden)
    state = files.map { .complete($0, opened: [:]) } ?? .running(LiveClassMap(width: area.width, height: area.height))
  }

  /// The class map being painted, while the run goes on.
  var live: LiveClassMap? {
    lock.withLock { if case .running(let map) = state { return map } else { return nil } }
  }

  var files: OutputFiles? {
    lock.withLock { if case .complete(let files, _) = state { return files } else { return nil } }
  }

  func complete(with files: OutputFiles) { lock.withLock { state = .complete(files, opened: [:]) } }
  func fail() { lock.withLock { state = .failed } }

  /// The raster file at `path` (one of `files`), opened once.
  func dataset(_ path: String) throws -> RasterDataset {
    try lock.withLock {
      guard case .complete(let files, var opened) = state else { throw RequestError.notFound("prediction \(id) has no finished files") }
      if let dataset = opened[path] { return dataset }
      let dataset = try RasterDataset(path: path)
      opened[path] = dataset
      state = .complete(files, opened: opened)
      return dataset
    }
  }
}
