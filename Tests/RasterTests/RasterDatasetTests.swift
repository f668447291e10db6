import Foundation
import XCTest
@testable import Raster

final class RasterDatasetTests: XCTestCase {
  func testNAIPMetadata() throws {
    for path in naipScenes {
      let ds = try RasterDataset(path: path)
      XCTAssertEqual(ds.bandCount, 4)
      XCTAssertEqual(ds.dataTypes, [.uint8, .uint8, .uint8, .uint8])
      XCTAssertEqual(ds.nodata, [0, 0, 0, 0])
      XCTAssertEqual(ds.driver, "GTiff")
      XCTAssertEqual(ds.blockSize.width, 512)
      let geo = try XCTUnwrap(ds.geoReference)
      XCTAssertEqual(geo.geoTransform[1], 5, accuracy: 1e-9)
      XCTAssertEqual(geo.geoTransform[5], -5, accuracy: 1e-9)
      XCTAssertEqual(geo.geoTransform[2], 0)
      XCTAssertTrue(geo.crsWKT.contains("UTM zone 14N"), geo.crsWKT)
      XCTAssertTrue(geo.crsWKT.contains("26914"), geo.crsWKT)
      XCTAssertGreaterThan(ds.width, 512)
      XCTAssertGreaterThan(ds.height, 512)
    }
  }

  func testWindowedBandReadMatchesFullRead() throws {
    let ds = try RasterDataset(path: naipScenes[0])
    let full = try ds.read(UInt8.self)
    XCTAssertEqual(full.bands, 4)
    XCTAssertEqual(full.values.count, 4 * ds.width * ds.height)
    XCTAssertTrue(full.values.contains { $0 != 0 })
    // A window crossing the 512 block boundary, bands in a chosen order.
    let window = PixelWindow(x: 500, y: 490, width: 37, height: 29)
    let part = try ds.read(UInt8.self, bands: [3, 0], window: window)
    XCTAssertEqual(part.bands, 2)
    for (i, b) in [3, 0].enumerated() {
      for y in 0..<window.height {
        for x in 0..<window.width {
          XCTAssertEqual(part[i, y, x], full[b, window.y + y, window.x + x])
        }
      }
    }
    // Conversion to float keeps values.
    let floats = try ds.read(Float.self, bands: [1], window: window)
    XCTAssertEqual(floats.values, try ds.read(UInt8.self, bands: [1], window: window).values.map(Float.init))
  }

  func testBoundlessReadPadsOutside() throws {
    let ds = try RasterDataset(path: naipScenes[0])
    let full = try ds.read(UInt8.self, bands: [2])
    let window = PixelWindow(x: ds.width - 5, y: -3, width: 9, height: 7)
    let part = try ds.readBoundless(UInt8.self, bands: [2], window: window, fill: 77)
    for y in 0..<7 {
      for x in 0..<9 {
        let sx = window.x + x, sy = window.y + y
        let inside = sx >= 0 && sy >= 0 && sx < ds.width && sy < ds.height
        XCTAssertEqual(part[0, y, x], inside ? full[0, sy, sx] : 77, "\(x),\(y)")
      }
    }
    let outside = try ds.readBoundless(UInt8.self, window: PixelWindow(x: -20, y: 0, width: 10, height: 2), fill: 0)
    XCTAssertEqual(outside.values, [UInt8](repeating: 0, count: 4 * 20))
  }

  func testDownsampledRead() throws {
    let ds = try RasterDataset(path: naipScenes[1])
    let small = try ds.read(UInt8.self, bands: [0, 1, 2], outWidth: ds.width / 4, outHeight: ds.height / 4, resampling: .average)
    XCTAssertEqual(small.width, ds.width / 4)
    XCTAssertEqual(small.height, ds.height / 4)
    let mean = small.values.reduce(0) { $0 + Double($1) } / Double(small.values.count)
    let fullMean = try ds.read(UInt8.self, bands: [0, 1, 2]).values.reduce(0) { $0 + Double($1) } / Double(3 * ds.width * ds.height)
    XCTAssertEqual(mean, fullMean, accuracy: 2)
  }

  func testBadRequestsNameTheFile() throws {
    let ds = try RasterDataset(path: naipScenes[0])
    XCTAssertThrowsError(try ds.read(UInt8.self, window: PixelWindow(x: ds.width - 10, y: 0, width: 20, height: 5))) {
      XCTAssertEqual(($0 as? RasterError)?.path, naipScenes[0])
      XCTAssertTrue("\($0)".contains("outside"), "\($0)")
    }
    XCTAssertThrowsError(try ds.read(UInt8.self, bands: [4])) { XCTAssertTrue("\($0)".contains("band 4"), "\($0)") }
  }

  func testMissingAndNonRasterFiles() throws {
    let dir = try temporaryFolder(self)
    let missing = dir.appendingPathComponent("nothing.tif").path
    XCTAssertThrowsError(try RasterDataset(path: missing)) {
      XCTAssertEqual("\($0)", "\(missing): open failed: no such file")
    }
    let text = dir.appendingPathComponent("notes.png")
    try Data("not an image".utf8).write(to: text)
    XCTAssertThrowsError(try RasterDataset(path: text.path)) {
      guard case .gdal(let op, let path, let message) = $0 as? RasterError else { return XCTFail("\($0)") }
      XCTAssertEqual(op, "open")
      XCTAssertEqual(path, text.path)
      XCTAssertFalse(message.isEmpty)
    }
  }

  func testTruncatedFilesFailOnOpenOrRead() throws {
    let dir = try temporaryFolder(self)
    var values = [UInt8](repeating: 0, count: 3 * 300 * 200)
    for i in values.indices { values[i] = UInt8(truncatingIfNeeded: i &* 7919 >> 3) }
    let image = RasterBuffer(width: 300, height: 200, bands: 3, values: values)
    let png = dir.appendingPathComponent("a.png").path
    let tif = dir.appendingPathComponent("a.tif").path
    try PNGWriter.write(image, to: png)
    try GeoTIFFWriter.write(image, to: tif, options: GeoTIFFOptions(tiled: true, blockSize: 64, compression: .deflate))
    for path in [png, tif] {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
      try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
      XCTAssertThrowsError(try RasterDataset(path: path).read(UInt8.self)) {
        XCTAssertEqual(($0 as? RasterError)?.path, path, "\($0)")
      }
    }
  }

  func testConcurrentReadsAndPerThreadErrors() throws {
    let shared = try RasterDataset(path: naipScenes[0])
    let expected = try shared.read(UInt8.self, bands: [0, 1, 2], window: PixelWindow(x: 0, y: 0, width: 256, height: 256))
    let dir = try temporaryFolder(self)
    let junk = dir.appendingPathComponent("junk.tif")
    try Data(repeating: 7, count: 100).write(to: junk)
    let failures = Counter()
    DispatchQueue.concurrentPerform(iterations: 16) { i in
      do {
        // Even iterations share one dataset, odd ones open their own; every 4th also fails an open.
        let ds = i % 2 == 0 ? shared : try RasterDataset(path: naipScenes[0], probeSiblings: false)
        if i % 4 == 1 {
          do {
            _ = try RasterDataset(path: junk.path)
            failures.add()
          } catch let error as RasterError where error.path == junk.path {
          }
        }
        let got = try ds.read(UInt8.self, bands: [0, 1, 2], window: PixelWindow(x: 0, y: 0, width: 256, height: 256))
        if got != expected { failures.add() }
      } catch { failures.add() }
    }
    XCTAssertEqual(failures.value, 0)
  }
}

final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var n = 0
  func add() { lock.withLock { n += 1 } }
  var value: Int { lock.withLock { n } }
}
