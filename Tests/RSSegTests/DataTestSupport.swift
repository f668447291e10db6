import Foundation
import Raster
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// Tiny datasets in the official layouts, written by the tests with known labels.
enum DataFixtures {
  /// A fresh empty folder, removed at the end of the test.
  static func folder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
  }

  /// The class of pixel (x, y) in generated tiles: bands of 7 px, cycling through `classes`.
  static func classAt(_ x: Int, _ y: Int, classes: Int) -> Int { ((x / 7) + (y / 5)) % classes }

  /// An RGB image whose red channel encodes the class (10·c + 5), green x, blue y, so alignment
  /// with the mask can be checked after any geometric operation.
  static func image(width: Int, height: Int, classes: Int, classAt: (Int, Int) -> Int) -> RasterBuffer<UInt8> {
    var b = RasterBuffer<UInt8>(width: width, height: height, bands: 3, filledWith: 0)
    for y in 0..<height {
      for x in 0..<width {
        b[0, y, x] = UInt8(10 * classAt(x, y) + 5)
        b[1, y, x] = UInt8(x % 256)
        b[2, y, x] = UInt8(y % 256)
      }
    }
    return b
  }

  static func mkdir(_ url: URL) throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }

  static func files(_ url: URL, ext: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { $0.hasSuffix(".\(ext)") }.sorted()
  }

  /// Every file below `url` (recursively), relative paths.
  static func allFiles(_ url: URL) -> [String] {
    (FileManager.default.enumerator(atPath: url.path)?.allObjects as? [String] ?? []).sorted()
  }

  // MARK: LoveDA

  /// `<root>/{Train,Val,Test}/{Urban,Rural}/images_png` (+ masks_png): `perFolder` 40×30 images.
  /// Raw mask value at (x, y) is `classAt + 1`, except a no-data (0) stripe in row 0.
  static func loveDA(at root: URL, perFolder: Int = 2) throws -> [String: Int] {
    var counts: [String: Int] = [:]
    for split in LoveDA.Split.allCases {
      for domain in LoveDA.Domain.allCases {
        let dir = root.appendingPathComponent("\(split.rawValue)/\(domain.rawValue)")
        try mkdir(dir.appendingPathComponent("images_png"))
        for i in 0..<perFolder {
          let name = "\(domain == .urban ? 1000 : 2000)\(split.rawValue.count)\(i).png"
          let cls = { (x: Int, y: Int) in classAt(x + i, y, classes: 7) }
          try PNGWriter.write(image(width: 40, height: 30, classes: 7, classAt: cls), to: dir.appendingPathComponent("images_png/\(name)").path)
          if split.hasMasks {
            try mkdir(dir.appendingPathComponent("masks_png"))
            var mask = RasterBuffer<UInt8>(width: 40, height: 30, bands: 1, filledWith: 0)
            for y in 0..<30 { for x in 0..<40 { mask[0, y, x] = y == 0 ? 0 : UInt8(cls(x, y) + 1) } }
            try PNGWriter.write(mask, to: dir.appendingPathComponent("masks_png/\(name)").path)
          }
          counts["\(split.rawValue)/\(domain.rawValue)", default: 0] += 1
        }
      }
    }
    return counts
  }

  // MARK: ISPRS

  static let isprsColors: [(UInt8, UInt8, UInt8)] = [(255, 255, 255), (0, 0, 255), (0, 255, 255), (0, 255, 0), (255, 255, 0), (255, 0, 0)]

  /// An RGB label tile with class `classAt(x, y)`; class 6 is written black (boundary).
  static func rgbLabel(width: Int, height: Int, classAt: (Int, Int) -> Int) -> RasterBuffer<UInt8> {
    var b = RasterBuffer<UInt8>(width: width, height: height, bands: 3, filledWith: 0)
    for y in 0..<height {
      for x in 0..<width {
        let c = classAt(x, y)
        guard c < 6 else { continue }
        let (r, g, bl) = isprsColors[c]
        b[0, y, x] = r
        b[1, y, x] = g
        b[2, y, x] = bl
      }
    }
    return b
  }

  /// Writes image + label tiles of `site` in the official folders. `tiles` maps a tile id to its
  /// class function; test tiles get eroded labels (class 6 = black on the 3-pixel border).
  static func isprs(
    _ site: ISPRS.Site, at root: URL, width: Int, height: Int, tiles: [String: (Int, Int) -> Int]
  ) throws {
    let imageDir = root.appendingPathComponent(site == .vaihingen ? "ISPRS_semantic_labeling_Vaihingen/top" : "2_Ortho_RGB")
    let labelDir = root.appendingPathComponent(site.labelFolders[0])
    let erodedDir = root.appendingPathComponent(site.erodedFolders[0])
    for d in [imageDir, labelDir, erodedDir] { try mkdir(d) }
    for (id, cls) in tiles {
      let imageName = site == .vaihingen ? "top_mosaic_09cm_area\(id).tif" : "top_potsdam_\(id)_RGB.tif"
      try GeoTIFFWriter.write(image(width: width, height: height, classes: 6, classAt: cls), to: imageDir.appendingPathComponent(imageName).path)
      if site.testTiles.contains(id) {
        let eroded = { (x: Int, y: Int) in x < 3 || y < 3 ? 6 : cls(x, y) }
        try GeoTIFFWriter.write(rgbLabel(width: width, height: height, classAt: eroded), to: erodedDir.appendingPathComponent(site.erodedFile(id)).path)
      } else {
        try GeoTIFFWriter.write(rgbLabel(width: width, height: height, classAt: cls), to: labelDir.appendingPathComponent(site.labelFile(id)).path)
      }
    }
  }
}
