import Foundation
import Hummingbird
import RSSegModels

/// What the page learns at load: the scenes, their runs, and what it may ask for.
struct ViewerState: ResponseEncodable {
  struct Scene: Codable {
    let id: String
    let name: String
    let width: Int
    let height: Int
    let bands: Int
    /// 1-based bands shown first: red, green, blue (or one grey band).
    let defaultBands: [Int]
    /// GDAL's geotransform (identity for a file without one), for map coordinates.
    let geoTransform: [Double]
    let crs: String?
    let minZoom: Int
    let predictions: [Prediction]
  }

  struct Prediction: Codable {
    enum State: String, Codable { case running, complete, failed }
    let id: String
    let scene: String
    let title: String
    let area: Area
    let state: State
    let classes: [LegendEntry]
    /// The class of each probability band (0-based); empty without probabilities.
    let probabilityClasses: [Int]
    let heatmapLayers: Int
    let polygons: Bool
  }

  struct LegendEntry: Codable {
    let name: String
    /// `#rrggbb`; nil for a class left clear on the map.
    let colour: String?

    static func entries(_ classes: SegmentationClasses, colours: ColourTable) -> [LegendEntry] {
      classes.names.enumerated().map { c, name in
        let rgb = classes.palette[c]
        let shown = colours.entries[c].alpha > 0
        return LegendEntry(name: name, colour: shown ? String(format: "#%02x%02x%02x", rgb.red, rgb.green, rgb.blue) : nil)
      }
    }
  }

  let scenes: [Scene]
  /// The segmentation model's classes, the legend before any run.
  let classes: [LegendEntry]
  let referring: Bool
  let maxTextLength: Int
  let jobCapacity: Int
}

extension ViewerState.Prediction {
  init(_ layers: PredictionLayers) {
    let files = layers.files
    let live = layers.live
    id = layers.id
    scene = layers.sceneID
    title = layers.title
    area = Area(layers.area)
    state = files != nil ? .complete : live != nil ? .running : .failed
    classes = ViewerState.LegendEntry.entries(layers.classes, colours: layers.colours)
    probabilityClasses = files?.probabilities == nil ? [] : files?.probabilityClasses ?? []
    heatmapLayers = files?.heatmapLayers ?? 0
    polygons = files?.polygons != nil
  }
}
