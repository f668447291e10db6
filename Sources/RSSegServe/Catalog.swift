import Foundation
import Raster
import RSSeg
import RSSegModels

/// What the viewer shows: the scenes given on the command line and the runs over them (found in
/// the outputs folder at start, or made from the page), each known to the page by an id only.
final class Catalog: @unchecked Sendable {
  // @unchecked: `predictions` and `counter` are touched only under `lock`.
  let scenes: [ServedScene]
  let outputs: String
  let classes: SegmentationClasses
  let heatmapLayers: Int
  private let lock = NSLock()
  private var predictions: [PredictionLayers] = []
  private var counter = 0

  /// Opens `images` and lists the `predict` outputs of each already in `outputs`: the whole
  /// scene's (`<stem>.tif` and its siblings) and those of views (`<stem>_view_<x>_<y>_<w>_<h>.tif`).
  init(images: [String], outputs: String, classes: SegmentationClasses, heatmapLayers: Int) throws {
    let stems = try SceneRun.stems(images)
    scenes = try zip(images, stems).enumerated().map { i, scene in try ServedScene(id: "\(i)", name: scene.1, path: scene.0) }
    self.outputs = outputs
    self.classes = classes
    self.heatmapLayers = heatmapLayers
    let names = (try? FileManager.default.contentsOfDirectory(atPath: outputs)) ?? []
    for scene in scenes {
      let whole = PixelWindow(x: 0, y: 0, width: scene.dataset.width, height: scene.dataset.height)
      for name in names.sorted() where name.hasSuffix(".tif") {
        let stem = String(name.dropLast(4))
        guard let area = stem == scene.name ? whole : Self.area(ofOutput: stem, scene: scene.name),
          area.isInside(width: whole.width, height: whole.height)
        else { continue }
        add(scene: scene, title: area == whole ? "scene" : "view \(area)", area: area, classes: classes, hidden: [], files: found(stem: stem))
      }
    }
  }

  /// The outputs `predict` wrote for `stem`, whatever its options were: polygons in any format,
  /// probabilities only as uint8 (p × 254; float16 ones are not drawn), heatmaps of as many
  /// layers as the file holds.
  private func found(stem: String) -> OutputFiles {
    var files = OutputFiles(predictionFiles(stem: stem), classes: classes.count, heatmapLayers: heatmapLayers)
    files.polygons = VectorFormat.allCases.lazy.map { PredictionFiles.polygons(directory: self.outputs, stem: stem, format: $0) }
      .first { FileManager.default.fileExists(atPath: $0) }
    if let path = files.probabilities, (try? RasterDataset(path: path))?.dataTypes.first != .uint8 { files.probabilities = nil }
    if let path = files.heatmaps {
      let bands = (try? RasterDataset(path: path))?.bandCount ?? 0
      files.heatmapLayers = bands / classes.count
      if files.heatmapLayers == 0 { files.heatmaps = nil }
    }
    return files
  }

  /// The `PredictionFiles` the server's own runs write for `stem`: probabilities (uint8),
  /// heatmaps and polygons (GeoPackage, as `predict --vector gpkg`) besides the class map.
  func predictionFiles(stem: String) -> PredictionFiles {
    PredictionFiles(directory: outputs, stem: stem, options: predictionOptions)
  }

  var predictionOptions: PredictionOptions {
    var options = PredictionOptions(probabilities: .uint8, heatmapLayers: heatmapLayers, force: true)
    options.polygons = PolygonOptions(format: .gpkg)
    return options
  }

  /// The output stem of a run over `area` of `scene`.
  static func viewStem(scene: String, area: PixelWindow) -> String { "\(scene)_view_\(area.x)_\(area.y)_\(area.width)_\(area.height)" }

  /// The area of a view's output stem of `scene` (the inverse of `viewStem`).
  static func area(ofOutput stem: String, scene: String) -> PixelWindow? {
    guard stem.hasPrefix(scene + "_view_") else { return nil }
    let numbers = stem.dropFirst(scene.count + 6).split(separator: "_", omittingEmptySubsequences: false).map { Int($0) }
    guard numbers.count == 4, numbers.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
    return PixelWindow(x: numbers[0]!, y: numbers[1]!, width: numbers[2]!, height: numbers[3]!)
  }

  func scene(_ id: String) throws -> ServedScene {
    guard let scene = scenes.first(where: { $0.id == id }) else { throw RequestError.notFound("no scene \(id.prefix(40))") }
    return scene
  }

  func prediction(_ id: String) throws -> PredictionLayers {
    guard let prediction = lock.withLock({ predictions.first { $0.id == id } }) else {
      throw RequestError.notFound("no prediction \(id.prefix(40))")
    }
    return prediction
  }

  func predictions(of scene: ServedScene) -> [PredictionLayers] { lock.withLock { predictions.filter { $0.sceneID == scene.id } } }

  /// Takes a cancelled run's layers off the list.
  func remove(_ layers: PredictionLayers) { lock.withLock { predictions.removeAll { $0 === layers } } }

  /// A new run's layers (`files` nil while it goes on), listed last.
  @discardableResult
  func add(
    scene: ServedScene, title: String, area: PixelWindow, classes: SegmentationClasses, hidden: Set<Int>, files: OutputFiles?
  ) -> PredictionLayers {
    lock.withLock {
      counter += 1
      let layers = PredictionLayers(
        id: "p\(counter)", sceneID: scene.id, title: title, area: area, classes: classes, hidden: hidden, files: files)
      predictions.append(layers)
      return layers
    }
  }
}
