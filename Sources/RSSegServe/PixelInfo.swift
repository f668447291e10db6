import Hummingbird
import Raster

/// What the page shows for a clicked pixel: the scene's band values and, for each run covering
/// it, the class and the class probabilities there.
struct PixelInfo: ResponseEncodable {
  struct Prediction: Encodable {
    let id: String
    let title: String
    let classIndex: Int?
    let className: String?
    /// (class name, probability) for each probability band.
    let probabilities: [Probability]
  }

  struct Probability: Encodable {
    let name: String
    let p: Double
  }

  let x: Int
  let y: Int
  let values: [Double?]
  let predictions: [Prediction]

  init(scene: ServedScene, x: Int, y: Int, predictions: [PredictionLayers]) throws {
    self.x = x
    self.y = y
    let dataset = scene.dataset
    let window = PixelWindow(x: x, y: y, width: 1, height: 1)
    values = try dataset.read(Double.self, window: window).values.enumerated().map { b, v in v == dataset.nodata[b] ? nil : v }
    self.predictions = try predictions.compactMap { layers in
      let area = layers.area
      guard area.x <= x, x < area.x + area.width, area.y <= y, y < area.y + area.height else { return nil }
      let local = PixelWindow(x: x - area.x, y: y - area.y, width: 1, height: 1)
      let label: UInt8
      var probabilities: [Probability] = []
      if let live = layers.live {
        label = try live.bytes(local, outWidth: 1, outHeight: 1)[0]
      } else if let files = layers.files {
        label = try layers.dataset(files.classMap).read(UInt8.self, bands: [0], window: local).values[0]
        if let path = files.probabilities {
          let p = try layers.dataset(path).read(UInt8.self, window: local).values
          probabilities = zip(files.probabilityClasses, p).compactMap { c, v in
            v == 255 ? nil : Probability(name: layers.classes.names[c], p: Double(v) / 254)
          }
        }
      } else {
        return nil
      }
      let known = Int(label) < layers.classes.count
      return Prediction(
        id: layers.id, title: layers.title, classIndex: known ? Int(label) : nil,
        className: known ? layers.classes.names[Int(label)] : nil, probabilities: probabilities)
    }
  }
}
