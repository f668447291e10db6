import Foundation
import XCTest
@testable import Raster

final class RasterWriterTests: XCTestCase {
  /// Both NAIP scenes survive read → GeoTIFF write → read with identical pixels,
  /// georeferencing and nodata.
  func testNAIPRoundTrip() throws {
    let dir = try temporaryFolder(self)
    for path in naipScenes {
      let source = try RasterDataset(path: path)
      let pixels = try source.read(UInt8.self)
      let out = dir.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent).path
      try GeoTIFFWriter.write(
        pixels, to: out,
        options: GeoTIFFOptions(predictor: 2, nodata: source.nodata[0], geoReference: source.geoReference))
      let copy = try RasterDataset(path: out)
      XCTAssertEqual(copy.width, source.width)
      XCTAssertEqual(copy.height, source.height)
      XCTAssertEqual(copy.nodata, source.nodata)
      XCTAssertEqual(copy.geoReference, source.geoReference)
      XCTAssertEqual(copy.blockSize.width, 256)
      XCTAssertEqual(try copy.read(UInt8.self), pixels)
    }
    XCTAssertEqual(try filesIn(dir), ["naip_2010_utm14n.tif", "naip_2020_utm14n.tif"])
  }

  /// A window written by blocks carries the window's georeference.
  func testStreamedWindowedWriteWithColourTable() throws {
    let dir = try temporaryFolder(self)
    let source = try RasterDataset(path: naipScenes[0])
    let geo = try XCTUnwrap(source.geoReference).window(x: 100, y: 50)
    let out = dir.appendingPathComponent("classes.tif").path
    let palette = ColorTable(rgb: [(255, 255, 255), (0, 0, 255), (0, 255, 0)])
    let writer = try GeoTIFFWriter(
      path: out, width: 300, height: 200, bands: 1, dataType: .uint8,
      options: GeoTIFFOptions(nodata: 255, colorTable: palette, geoReference: geo))
    var expected = RasterBuffer<UInt8>(width: 300, height: 200, bands: 1, filledWith: 0)
    for by in stride(from: 0, to: 200, by: 128) {
      for bx in stride(from: 0, to: 300, by: 128) {
        let w = min(128, 300 - bx), h = min(128, 200 - by)
        var block = RasterBuffer<UInt8>(width: w, height: h, bands: 1, filledWith: 0)
        for y in 0..<h {
          for x in 0..<w {
            let v = UInt8((bx + x + by + y) % 3)
            block[0, y, x] = v
            expected[0, by + y, bx + x] = v
          }
        }
        try writer.write(block, x: bx, y: by)
      }
    }
    XCTAssertEqual(try filesIn(dir).count, 1)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out), "visible before finish()")
    try writer.finish()
    let copy = try RasterDataset(path: out)
    XCTAssertEqual(try copy.read(UInt8.self), expected)
    XCTAssertEqual(try copy.colorTable()?.entries.prefix(3).map { $0 }, palette.entries)
    XCTAssertEqual(copy.nodata, [255])
    let t = copy.geoReference!.geoTransform, s = source.geoReference!.geoTransform
    XCTAssertEqual(t[0], s[0] + 100 * 5, accuracy: 1e-6)
    XCTAssertEqual(t[3], s[3] - 50 * 5, accuracy: 1e-6)
    XCTAssertEqual(copy.geoReference!.crsWKT, source.geoReference!.crsWKT)
  }

  func testWriterDroppedWithoutFinishLeavesNothing() throws {
    let dir = try temporaryFolder(self)
    do {
      let writer = try GeoTIFFWriter(path: dir.appendingPathComponent("x.tif").path, width: 64, height: 64, bands: 2, dataType: .float32)
      try writer.write(RasterBuffer<Float>(width: 64, height: 32, bands: 2, filledWith: 1.5))
      XCTAssertThrowsError(try writer.write(RasterBuffer<Float>(width: 64, height: 32, bands: 3, filledWith: 0)))
      XCTAssertThrowsError(try writer.write(RasterBuffer<Float>(width: 64, height: 32, bands: 2, filledWith: 0), y: 40))
    }
    XCTAssertEqual(try filesIn(dir), [])
  }

  func testHalfFloatGeoTIFF() throws {
    let dir = try temporaryFolder(self)
    let out = dir.appendingPathComponent("p.tif").path
    let values: [Float] = (0..<(16 * 8)).map { Float($0) / 128 }
    try GeoTIFFWriter.write(RasterBuffer(width: 16, height: 8, bands: 1, values: values), to: out, options: GeoTIFFOptions(nbits: 16))
    let back = try RasterDataset(path: out).read(Float.self)
    for (a, b) in zip(back.values, values) { XCTAssertEqual(a, Float(Float16(b))) }
  }

  func testPNGPaletteAndRGB() throws {
    let dir = try temporaryFolder(self)
    var labels = RasterBuffer<UInt8>(width: 33, height: 17, bands: 1, filledWith: 0)
    for i in labels.values.indices { labels.values[i] = UInt8(i % 7) }
    let palette = ColorTable(rgb: [(255, 255, 255), (255, 0, 0), (255, 255, 0), (0, 0, 255), (159, 129, 183), (0, 255, 0), (255, 195, 128)])
    let pal = dir.appendingPathComponent("labels.png").path
    try PNGWriter.write(labels, to: pal, colorTable: palette)
    let palDS = try RasterDataset(path: pal)
    XCTAssertEqual(palDS.driver, "PNG")
    XCTAssertEqual(try palDS.read(UInt8.self), labels)
    XCTAssertEqual(try palDS.colorTable()?.entries.prefix(7).map { $0 }, palette.entries)

    var rgb = RasterBuffer<UInt8>(width: 20, height: 10, bands: 3, filledWith: 0)
    for i in rgb.values.indices { rgb.values[i] = UInt8(i % 251) }
    let rgbPath = dir.appendingPathComponent("rgb.png").path
    try PNGWriter.write(rgb, to: rgbPath)
    let rgbDS = try RasterDataset(path: rgbPath)
    XCTAssertEqual(rgbDS.bandCount, 3)
    XCTAssertNil(rgbDS.geoReference)
    XCTAssertEqual(try rgbDS.read(UInt8.self), rgb)
    XCTAssertThrowsError(try PNGWriter.write(rgb, to: dir.appendingPathComponent("bad.png").path, colorTable: palette))
    XCTAssertEqual(try filesIn(dir), ["labels.png", "rgb.png"])
  }
}
