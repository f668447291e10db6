import Foundation
import Raster
import RSSegModels
import Torch

/// Writes `SyntheticReferringScenes` in the official RRSIS-D layout, so every RRSIS-D reader,
/// trainer and evaluator runs on it:
/// - `images/rrsisd/JPEGImages/<id>.png` (RGB PNG; the layout's folder name is kept),
/// - `rrsisd/instances.json` (COCO: images, annotations, categories square/circle/triangle;
///   squares and triangles as polygons, circles as RLE — uncompressed for even annotation ids,
///   compressed for odd ones — column-major like pycocotools),
/// - `rrsisd/refs(unc).p` (pickle protocol 2: one ref per shape with its sentences and split).
/// Images are split in order: the first 70 % train, the next 15 % val, the rest test.
public enum SyntheticReferringDataset {
  public struct Options: Sendable {
    public var images: Int
    public var size = 96
    public var seed: UInt64 = 0

    public init(images: Int, size: Int = 96, seed: UInt64 = 0) {
      self.images = images
      self.size = size
      self.seed = seed
    }
  }

  /// What was written, per split.
  public struct Summary: Sendable, Equatable {
    public var images: [String: Int] = [:]
    public var refs: [String: Int] = [:]
    public var sentences: [String: Int] = [:]

    public var text: String {
      ["train", "val", "test"].map { "\($0): \(images[$0] ?? 0) images, \(refs[$0] ?? 0) refs, \(sentences[$0] ?? 0) sentences" }
        .joined(separator: "\n")
    }
  }

  public static let categories: [SyntheticReferringScenes.Kind] = [.square, .circle, .triangle]

  /// The split of image `index` of `count` (≥ 3): about 70 % train, 15 % val, the rest test,
  /// at least one image each.
  public static func split(of index: Int, count: Int) -> String {
    let train = min(Int((0.7 * Double(count)).rounded()), count - 2)
    let val = max(1, min(Int((0.15 * Double(count)).rounded()), count - train - 1))
    return index < train ? "train" : index < train + val ? "val" : "test"
  }

  /// Writes the dataset under `root` (created if needed; existing files are replaced).
  /// - Throws: `DataError.invalidArgument` for fewer than 3 images or a size below 32,
  ///   `DataError.output` when a file cannot be written.
  @discardableResult
  public static func write(_ options: Options, to root: URL) throws -> Summary {
    guard options.images >= 3, options.size >= 32 else {
      throw DataError.invalidArgument("a synthetic referring dataset needs at least 3 images of at least 32×32 pixels")
    }
    let imageFolder = root.appendingPathComponent("images/rrsisd/JPEGImages")
    let annotationFolder = root.appendingPathComponent("rrsisd")
    try makeFolder(imageFolder)
    try makeFolder(annotationFolder)
    var images: [[String: Any]] = [], annotations: [[String: Any]] = [], refs: [PickleData] = []
    var summary = Summary()
    var annotationID = 0, sentenceID = 0
    for index in 0..<options.images {
      let scene = SyntheticReferringScenes.scene(seed: options.seed, index: index, size: options.size)
      let imageID = index + 1, fileName = String(format: "%05d.png", imageID)
      let split = split(of: index, count: options.images)
      let path = imageFolder.appendingPathComponent(fileName).path
      try writing(path) {
        try PNGWriter.write(RasterBuffer(width: scene.width, height: scene.height, bands: 3, values: scene.rgb), to: path)
      }
      images.append(["id": imageID, "file_name": fileName, "height": scene.height, "width": scene.width])
      summary.images[split, default: 0] += 1
      for object in scene.objects {
        let categoryID = categories.firstIndex(of: object.kind)! + 1
        annotations.append(
          try annotation(object, id: annotationID, imageID: imageID, categoryID: categoryID, width: scene.width, height: scene.height))
        refs.append(
          RRSISDRef.entry(
            annotationID: annotationID, imageID: imageID, categoryID: categoryID, split: split, fileName: fileName,
            sentences: object.sentences, firstSentenceID: sentenceID))
        sentenceID += object.sentences.count
        annotationID += 1
        summary.refs[split, default: 0] += 1
        summary.sentences[split, default: 0] += object.sentences.count
      }
    }
    try RRSISDRef.writeAnnotations(
      images: images, annotations: annotations, categories: categories.map(\.rawValue), supercategory: "shape", refs: refs,
      to: annotationFolder)
    return summary
  }

  /// The COCO annotation of one shape.
  static func annotation(
    _ object: SyntheticReferringScenes.Object, id: Int, imageID: Int, categoryID: Int, width: Int, height: Int
  ) throws -> [String: Any] {
    let segmentation: Any
    if let polygon = object.polygon {
      segmentation = [polygon.map { ($0 * 100).rounded() / 100 }]
    } else {
      let runs = try COCORLE(mask: object.mask, width: width, height: height)
      let rle: Any = id.isMultiple(of: 2) ? runs.counts.map { Int($0) } : runs.compressedCounts
      segmentation = ["size": [height, width], "counts": rle]
    }
    var (minX, minY, maxX, maxY, area) = (width, height, -1, -1, 0)
    for y in 0..<height {
      for x in 0..<width where object.mask[y * width + x] {
        (minX, minY, maxX, maxY) = (min(minX, x), min(minY, y), max(maxX, x), max(maxY, y))
        area += 1
      }
    }
    return [
      "id": id, "image_id": imageID, "category_id": categoryID, "segmentation": segmentation, "area": area,
      "bbox": [minX, minY, maxX - minX + 1, maxY - minY + 1], "iscrowd": 0,
    ]
  }
}
