import Foundation
import Raster
import RSSegModels

/// `rsseg prepare vaihingen|potsdam`: converts RGB labels to class indices and cuts 1024 × 1024
/// patches (`PrepareOptions.patchSize`) with the spec's rules (§4):
/// - pad bottom/right to a multiple of 1024 (black image, ignore label), windows at the site's
///   stride (test: stride 1024), full windows only;
/// - training tiles are also cut from their horizontally and vertically flipped copies;
/// - Vaihingen training windows: a random crop of 384–512 px resized to 1024 that holds more than
///   10 % car pixels is written with its vertical flip, horizontal flip and rot90 instead of the
///   window.
/// Patches are `<tile>_<o|h|v>_<row>_<col>[_car<k>]`; a tile is finished when its list of patches
/// is in `<split>/.prepared/<tile>.txt`, and finished tiles are skipped on the next run.
public enum ISPRSPreparer {
  public static func run(_ site: ISPRS.Site, _ options: PrepareOptions, splits: [ISPRS.Split] = ISPRS.Split.allCases) throws -> PrepareReport {
    try options.checkOutput()
    let work = try splits.flatMap { split in try ISPRS.rawTiles(site: site, root: options.source, split: split).map { (split, $0) } }
    let progress = ProgressBar(total: work.count, label: site.rawValue, unit: "tile", enabled: options.showProgress)
    defer { progress.finish() }
    var report = PrepareReport()
    for (split, tile) in work {
      try report.sample(skipBad: options.skipBad) { report in
        try prepare(tile, site: site, split: split, options: options, report: &report)
      }
      progress.advance()
    }
    return report
  }

  static func prepare(_ tile: ISPRS.RawTile, site: ISPRS.Site, split: ISPRS.Split, options: PrepareOptions, report: inout PrepareReport) throws {
    let splitDir = options.output.appendingPathComponent(split.rawValue)
    let marker = splitDir.appendingPathComponent(".prepared").appendingPathComponent(tile.name + ".txt")
    if FileManager.default.fileExists(atPath: marker.path) {
      report.alreadyDone += 1
      return
    }
    let tileImage = try load(tile, options: options, report: &report)
    let imageDir = splitDir.appendingPathComponent(ISPRS.imageFolder(options.patchSize))
    let maskDir = splitDir.appendingPathComponent(ISPRS.maskFolder(options.patchSize))
    for dir in [imageDir, maskDir, marker.deletingLastPathComponent()] { try makeFolder(dir) }

    var names: [String] = []
    let patches = PatchSplitter(site: site, split: split, patchSize: options.patchSize, seed: options.seed)
    try patches.cut(tileImage, tileName: tile.name) { name, patch in
      try writing(imageDir.appendingPathComponent(name).path) {
        try GeoTIFFWriter.write(
          RasterBuffer(width: patch.width, height: patch.height, bands: patch.channels, values: patch.image),
          to: imageDir.appendingPathComponent(name + ".tif").path, options: GeoTIFFOptions(tiled: false, compression: .none))
        try PNGWriter.write(
          RasterBuffer(width: patch.width, height: patch.height, bands: 1, values: patch.mask),
          to: maskDir.appendingPathComponent(name + ".png").path)
      }
      names.append(name)
    }
    report.written["\(split.rawValue)/\(imageDir.lastPathComponent)", default: 0] += names.count
    report.written["\(split.rawValue)/\(maskDir.lastPathComponent)", default: 0] += names.count
    try writeAtomically(names.joined(separator: "\n") + "\n", to: marker)
  }

  /// The tile's image and class mask, checked.
  static func load(_ tile: ISPRS.RawTile, options: PrepareOptions, report: inout PrepareReport) throws -> LabeledImage {
    let dataset = SegmentationDataset(samples: [], classes: .isprs, encoding: .isprsColors)
    let image = try dataset.openImage(tile.image.path)
    let pixels = try reading(tile.image.path) { try image.read(UInt8.self) }
    let (labels, unknown) = try dataset.decodeMask(
      tile.label.path, width: image.width, height: image.height, imagePath: tile.image.path,
      unknownAsIgnore: options.unknownAsIgnore)
    report.unknownLabels += unknown.map { (tile.label.path, $0) }
    return LabeledImage(width: image.width, height: image.height, channels: 3, image: pixels.values, mask: labels)
  }
}

/// Cuts one tile into training or test patches (see `ISPRSPreparer`).
struct PatchSplitter {
  var site: ISPRS.Site
  var split: ISPRS.Split
  var patchSize: Int
  var seed: UInt64
  var ignore = SegmentationClasses.isprs.ignoreIndex
  static let carClass: UInt8 = 4

  func cut(_ tile: LabeledImage, tileName: String, emit: (String, LabeledImage) throws -> Void) throws {
    let size = patchSize
    let stride = split == .train ? site.trainStride(patchSize: size) : size
    // Flipped copies are made one at a time (a Potsdam tile is 144 MB).
    let tags = split == .train ? ["o", "h", "v"] : ["o"]
    for (v, tag) in tags.enumerated() {
      let variant = tag == "h" ? tile.flippedHorizontally() : tag == "v" ? tile.flippedVertically() : tile
      let paddedW = (variant.width + size - 1) / size * size, paddedH = (variant.height + size - 1) / size * size
      for (row, y) in Swift.stride(from: 0, through: paddedH - size, by: stride).enumerated() {
        for (col, x) in Swift.stride(from: 0, through: paddedW - size, by: stride).enumerated() {
          let window = variant.cropped(x: x, y: y, width: size, height: size, pad: ignore)
          let name = "\(tileName)_\(tag)_\(row)_\(col)"
          if split == .train && site.oversamplesCars {
            var random = SeededRandom(seed: seed, stableHash(tileName), UInt64(v), UInt64(row), UInt64(col))
            if let crops = carCrops(window, random: &random) {
              for (k, crop) in crops.enumerated() { try emit("\(name)_car\(k)", crop) }
              continue
            }
          }
          try emit(name, window)
        }
      }
    }
  }

  /// A random 384–512 px crop (for 1024 px patches) resized to the patch size, and its flips and
  /// rot90, when it holds more than 10 % car pixels.
  func carCrops(_ window: LabeledImage, random: inout SeededRandom) -> [LabeledImage]? {
    let side = random.int(in: (patchSize * 3 / 8)...(patchSize / 2))
    let x = random.int(in: 0...(window.width - side)), y = random.int(in: 0...(window.height - side))
    let crop = window.cropped(x: x, y: y, width: side, height: side, pad: ignore)
    let cars = crop.mask.reduce(0) { $0 + ($1 == Self.carClass ? 1 : 0) }
    guard Double(cars) > 0.1 * Double(side * side) else { return nil }
    let big = crop.resized(width: patchSize, height: patchSize)
    return [big, big.flippedVertically(), big.flippedHorizontally(), big.rotated90()]
  }
}
