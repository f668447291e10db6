import Foundation
import Raster
import RSSegModels

/// One image and (for labelled splits) its mask file.
public struct SegmentationSample: Sendable, Equatable {
  /// The file stem, used to name outputs.
  public var name: String
  public var imagePath: String
  public var maskPath: String?

  public init(name: String, imagePath: String, maskPath: String?) {
    self.name = name
    self.imagePath = imagePath
    self.maskPath = maskPath
  }
}

/// A list of samples with the classes and mask encoding that read them. Loading is safe from
/// any thread (each load opens its own GDAL handles).
public struct SegmentationDataset: Sendable {
  public var samples: [SegmentationSample]
  public var classes: SegmentationClasses
  public var encoding: LabelEncoding
  /// Bands every image must have (3: RGB, or IRRG for Vaihingen).
  public var imageBands = 3

  public init(samples: [SegmentationSample], classes: SegmentationClasses, encoding: LabelEncoding) {
    self.samples = samples
    self.classes = classes
    self.encoding = encoding
  }

  public var count: Int { samples.count }

  /// Reads sample `index`: image and decoded mask (all-ignore when the sample has no mask).
  /// - Throws: `DataError` naming the file: unreadable or truncated file, wrong band count or
  ///   data type, image/mask size mismatch, unknown label values.
  public func load(_ index: Int) throws -> LabeledImage {
    let sample = samples[index]
    let image = try openImage(sample.imagePath)
    let pixels = try reading(sample.imagePath) { try image.read(UInt8.self) }
    guard let maskPath = sample.maskPath else {
      return LabeledImage(
        width: image.width, height: image.height, channels: imageBands, image: pixels.values,
        mask: [UInt8](repeating: classes.ignoreIndex, count: image.width * image.height))
    }
    let labels = try readMask(maskPath, width: image.width, height: image.height, imagePath: sample.imagePath)
    return LabeledImage(width: image.width, height: image.height, channels: imageBands, image: pixels.values, mask: labels)
  }

  /// Opens an image and checks its band count and data type.
  func openImage(_ path: String) throws -> RasterDataset {
    let image = try reading(path) { try RasterDataset(path: path, probeSiblings: false) }
    guard image.bandCount == imageBands else {
      throw DataError.badSample(path: path, problem: "image has \(image.bandCount) band(s), expected \(imageBands)")
    }
    guard image.dataTypes[0] == .uint8 else {
      throw DataError.badSample(path: path, problem: "image data type is \(image.dataTypes[0]), expected uint8")
    }
    return image
  }

  /// Reads and decodes a mask that must be `width` × `height`.
  func readMask(_ path: String, width: Int, height: Int, imagePath: String, unknownAsIgnore: Bool = false) throws -> [UInt8] {
    try decodeMask(path, width: width, height: height, imagePath: imagePath, unknownAsIgnore: unknownAsIgnore).labels
  }

  func decodeMask(_ path: String, width: Int, height: Int, imagePath: String, unknownAsIgnore: Bool) throws -> (labels: [UInt8], unknown: [UnknownLabel]) {
    let mask = try reading(path) { try RasterDataset(path: path, probeSiblings: false) }
    guard mask.width == width, mask.height == height else {
      throw DataError.badSample(
        path: path, problem: "mask is \(mask.width)×\(mask.height) but its image \(imagePath) is \(width)×\(height)")
    }
    return try reading(path) { try encoding.decode(mask, ignore: classes.ignoreIndex, unknownAsIgnore: unknownAsIgnore) }
  }
}

/// Raster failures on sample files become `DataError.badSample` naming the file.
func reading<R>(_ path: String, _ body: () throws -> R) throws -> R {
  do { return try body() } catch let error as RasterError {
    let problem: String
    switch error {
    case .gdal(let op, _, let message): problem = "cannot \(op): \(message.isEmpty ? "unreadable" : message)"
    case .invalidArgument(_, let message), .unexpectedContent(_, let message), .io(_, let message): problem = message
    }
    throw DataError.badSample(path: path, problem: problem)
  }
}

/// Files in `folder` with one of `extensions`, sorted by name; a missing or empty folder is a
/// `DataError.layout`.
func listFiles(in folder: URL, extensions: Set<String>, what: String) throws -> [URL] {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
    throw DataError.layout(path: folder.path, problem: "folder not found (expected \(what))")
  }
  let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
  let files = names.filter { !$0.hasPrefix(".") && extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
  guard !files.isEmpty else {
    throw DataError.layout(path: folder.path, problem: "no \(extensions.sorted().joined(separator: "/")) files (expected \(what))")
  }
  return files.map { folder.appendingPathComponent($0) }
}

func stem(_ url: URL) -> String { url.deletingPathExtension().lastPathComponent }
