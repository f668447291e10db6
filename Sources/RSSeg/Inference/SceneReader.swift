import Raster
import RSSegModels
import Torch

/// Windows of the selected bands of a scene, with the pixels that are nodata.
/// A pixel is nodata when every selected band that has a nodata value holds it, or when it lies
/// outside the area of interest: windows wholly nodata are not run, and their pixels are nodata
/// in every output.
public struct SceneReader {
  public let dataset: RasterDataset
  /// 0-based band numbers, in the model's channel order.
  public let bands: [Int]
  public let areaOfInterest: AreaOfInterest?

  public init(dataset: RasterDataset, bands: [Int], areaOfInterest: AreaOfInterest? = nil) throws {
    for b in bands where b < 0 || b >= dataset.bandCount {
      throw InferenceError.invalidArgument("\(dataset.path): band \(b + 1) does not exist (the file has \(dataset.bandCount))")
    }
    self.dataset = dataset
    self.bands = bands
    self.areaOfInterest = areaOfInterest
  }

  /// Whether any pixel can be nodata: a selected band has a nodata value, or there is an area of
  /// interest.
  public var hasNodata: Bool { areaOfInterest != nil || bands.contains { dataset.nodata[$0] != nil } }

  public var width: Int { dataset.width }
  public var height: Int { dataset.height }

  /// The pixels of `window` `[C, h, w]` and its nodata mask (`h × w`, true = nodata; nil when
  /// no pixel can be nodata).
  public func read(_ window: PixelWindow) throws -> (pixels: RasterBuffer<Float>, nodata: [Bool]?) {
    let pixels = try dataset.read(Float.self, bands: bands, window: window)
    let outside = try areaOfInterest?.outside(window)
    let values = bands.map { dataset.nodata[$0].map(Float.init) }
    guard values.contains(where: { $0 != nil }) else { return (pixels, outside) }
    let plane = pixels.pixelCount
    var mask = [Bool](repeating: true, count: plane)
    pixels.values.withUnsafeBufferPointer { src in
      for (c, value) in values.enumerated() {
        guard let value else { continue }
        let base = c * plane
        for i in 0..<plane where mask[i] && src[base + i] != value { mask[i] = false }
      }
    }
    if let outside { for i in 0..<plane where outside[i] { mask[i] = true } }
    return (pixels, mask)
  }
}
