import Foundation
import Raster
import RSSegModels

/// Options shared by the referring dataset readers.
public struct ReferringOptions: Sendable {
  /// Size samples are resized to (bilinear image, nearest mask), as LAVT does; nil keeps the
  /// file's size.
  public var size: (width: Int, height: Int)? = (480, 480)
  /// Skip objects with bad input (missing image, broken segmentation, unknown split, size
  /// mismatch) with a warning instead of failing.
  public var skipBad = false
  /// Open every image (and mask) header while reading the annotations, so that size mismatches
  /// are found up front (subject to `skipBad`) rather than when the sample is loaded.
  public var checkImageSizes = true

  public init(size: (width: Int, height: Int)? = (480, 480), skipBad: Bool = false, checkImageSizes: Bool = true) {
    self.size = size
    self.skipBad = skipBad
    self.checkImageSizes = checkImageSizes
  }
}

/// Objects with their referring sentences, and how samples are drawn from them: training takes
/// one seeded random sentence per object per epoch; evaluation takes every sentence of every
/// object. Loading is safe from any thread (each load opens its own GDAL handles).
public struct ReferringDataset: Sendable {
  public var objects: [ReferringObject]
  /// Size samples are resized to; nil keeps each file's size.
  public var size: (width: Int, height: Int)?
  /// Objects skipped by `skipBad`, one line each naming the file and the problem.
  public var warnings: [String]

  public init(objects: [ReferringObject], size: (width: Int, height: Int)? = (480, 480), warnings: [String] = []) {
    self.objects = objects
    self.size = size
    self.warnings = warnings
  }

  /// Image–sentence pairs (the size of an evaluation pass).
  public var sentenceCount: Int { objects.reduce(0) { $0 + $1.sentences.count } }

  /// Every sentence of every object, in dataset order.
  public func evaluationSamples() -> [ReferringSampleID] {
    objects.indices.flatMap { o in objects[o].sentences.indices.map { ReferringSampleID(object: o, sentence: $0) } }
  }

  /// One sentence per object (objects without sentences are left out), drawn from (seed, epoch,
  /// object index) only, in object order (shuffling is the loader's business).
  public func trainingSamples(seed: UInt64, epoch: Int) -> [ReferringSampleID] {
    objects.indices.filter { !objects[$0].sentences.isEmpty }.map { o in
      var random = SeededRandom(seed: seed, 0x5245_4653, UInt64(epoch), UInt64(o))
      return ReferringSampleID(object: o, sentence: random.int(in: 0...(objects[o].sentences.count - 1)))
    }
  }

  /// Reads the image and target of `id`, resized to `size`.
  /// - Throws: `DataError.badSample` naming the file: unreadable image or mask, unsupported
  ///   bands or data type, mask and image sizes that disagree.
  public func load(_ id: ReferringSampleID) throws -> ReferringSample {
    let object = objects[id.object]
    let original = try loadOriginal(object)
    var pixels = original
    if let size {
      pixels = original.resized(width: size.width, height: size.height, filter: .bilinear)
    }
    return ReferringSample(
      id: id, objectID: object.id, sentence: object.sentences[id.sentence], imagePath: object.imagePath,
      pixels: pixels, originalWidth: original.width, originalHeight: original.height)
  }

  /// The image and target mask of an object at the image file's size.
  public func loadOriginal(_ object: ReferringObject) throws -> LabeledImage {
    let raster = try reading(object.imagePath) { try RasterDataset(path: object.imagePath, probeSiblings: false) }
    let image = try ReferringImages.rgb(raster)
    let mask = try ReferringImages.targetMask(object.target, width: raster.width, height: raster.height, imagePath: object.imagePath)
    return LabeledImage(width: raster.width, height: raster.height, channels: 3, image: image, mask: mask)
  }
}

/// Pixel reading shared by the referring readers.
enum ReferringImages {
  /// The image as 8-bit RGB (C×H×W): grey is replicated and alpha dropped, as PIL's
  /// `convert("RGB")` does.
  static func rgb(_ raster: RasterDataset) throws -> [UInt8] {
    try checkUInt8(raster)
    let bands: [Int]
    switch raster.bandCount {
    case 1, 2: bands = [0, 0, 0]
    case 3, 4: bands = [0, 1, 2]
    default:
      throw DataError.badSample(path: raster.path, problem: "image has \(raster.bandCount) bands; expected RGB, RGBA or grey")
    }
    return try reading(raster.path) { try raster.read(UInt8.self, bands: bands).values }
  }

  /// The target as 0/1 rows of `width` × `height`.
  static func targetMask(_ target: ReferringTarget, width: Int, height: Int, imagePath: String) throws -> [UInt8] {
    switch target {
    case .rle(let parts):
      guard let first = parts.first, first.width == width, first.height == height else {
        let size = parts.first.map { "\($0.width)×\($0.height)" } ?? "empty"
        throw DataError.badSample(path: imagePath, problem: "image is \(width)×\(height) but its annotation is \(size)")
      }
      return COCORLE.decodedUnion(parts)
    case .maskFile(let path, let threshold):
      let raster = try reading(path) { try RasterDataset(path: path, probeSiblings: false) }
      guard raster.width == width, raster.height == height else {
        throw DataError.badSample(path: path, problem: "mask is \(raster.width)×\(raster.height) but its image \(imagePath) is \(width)×\(height)")
      }
      try checkUInt8(raster)
      return try reading(path) { try raster.read(UInt8.self, bands: [0]).values.map { $0 > threshold ? 1 : 0 } }
    }
  }

  private static func checkUInt8(_ raster: RasterDataset) throws {
    guard raster.dataTypes[0] == .uint8 else {
      throw DataError.badSample(path: raster.path, problem: "data type is \(raster.dataTypes[0]); expected 8-bit")
    }
  }

  /// The size in an image file's header (read once per path).
  static func headerSize(_ path: String, cache: inout [String: (Int, Int)]) throws -> (width: Int, height: Int) {
    if let size = cache[path] { return size }
    let raster = try reading(path) { try RasterDataset(path: path, probeSiblings: false) }
    cache[path] = (raster.width, raster.height)
    return (raster.width, raster.height)
  }
}

/// Collects objects, turning problems into warnings when `skipBad` is set.
struct ReferringCollector {
  let skipBad: Bool
  var objects: [ReferringObject] = []
  var warnings: [String] = []

  /// Runs `make` and keeps the object it returns (nil: nothing to keep); with `skipBad`, a
  /// `DataError` becomes a warning and the object is left out.
  mutating func add(_ make: () throws -> ReferringObject?) throws {
    do {
      if let object = try make() { objects.append(object) }
    } catch let error as DataError where skipBad {
      warnings.append("skipped: \(error.description)")
    }
  }
}
