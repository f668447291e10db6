import Foundation
import RSSeg
import RSSegModels

/// COCO segmentations as referring datasets store them: the bytes as an `instances.json`, each
/// annotation's polygons or RLE turned into runs for its image and, up to 4 Mpx, decoded.
enum COCOEntryPoints {
  /// Larger masks are checked (runs against the image size) but not decoded, to bound memory.
  static let maxDecodedPixels = 1 << 22

  static func coco(_ bytes: UnsafeRawBufferPointer) throws {
    let path = try ScratchFile.write(bytes, for: .coco)
    let instances = try COCOInstances(contentsOf: URL(fileURLWithPath: path))
    for annotation in instances.annotations.values.sorted(by: { $0.id < $1.id }) {
      guard let image = instances.images[annotation.imageID] else { continue }
      let rles = try annotation.segmentation.rles(
        height: image.height, width: image.width, source: "\(path) annotation \(annotation.id)")
      guard image.height * image.width <= maxDecodedPixels else { continue }
      let mask = COCORLE.decodedUnion(rles)
      let ones = mask.reduce(0) { $0 + Int($1) }
      guard mask.count == image.height * image.width, ones <= rles.reduce(0, { $0 + $1.area }) else {
        throw FuzzInvariantError(message: "annotation \(annotation.id): \(mask.count) mask pixels, \(ones) set, for \(image.height)×\(image.width)")
      }
    }
  }
}
