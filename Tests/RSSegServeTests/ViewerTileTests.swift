import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Raster
@testable import RSSegServe
import XCTest

/// Tiles: drawn from the scene, checked coordinates, and memory that stays flat under a burst.
final class ViewerTileTests: XCTestCase {
  func testSceneTilesArePNGsOfTheScene() async throws {
    let fixture = try ViewerFixture()
    defer { fixture.remove() }
    let scene = try RasterDataset(path: ViewerFixture.naip)
    let minZoom = -TileAddress.levels(toFit: max(scene.width, scene.height))
    try await fixture.test { client in
      let whole = try await client.get("/api/scenes/0/tiles/\(minZoom)/0/0?bands=1,2,3&stretch=2")
      XCTAssertEqual(whole.status, .ok, whole.text)
      XCTAssertEqual(whole.headers[.contentType], "image/png")
      let tile = try Self.decode(whole.bytes, in: fixture.folder)
      XCTAssertEqual([tile.width, tile.height, tile.bands], [256, 256, 4])
      let alpha = tile.values[(3 * 256 * 256)...]
      XCTAssertGreaterThan(alpha.filter { $0 == 255 }.count, 10_000, "the scene is drawn")
      XCTAssertGreaterThan(Set(tile.values[0..<(256 * 256)]).count, 50, "stretched, not flat")
      let grey = try await client.get("/api/scenes/0/tiles/0/1/1?bands=4")
      XCTAssertEqual(grey.status, .ok, grey.text)
      let cached = try await client.get("/api/scenes/0/tiles/\(minZoom)/0/0?bands=1,2,3&stretch=2")
      XCTAssertEqual(cached.bytes, whole.bytes)
    }
  }

  func testBadTileRequestsGetTheirReason() async throws {
    let fixture = try ViewerFixture()
    defer { fixture.remove() }
    try await fixture.test { client in
      let cases: [(String, HTTPResponse.Status, String)] = [
        ("/api/scenes/0/tiles/1/0/0", .badRequest, "zoom 1"),
        ("/api/scenes/0/tiles/-30/0/0", .badRequest, "zoom -30"),
        ("/api/scenes/0/tiles/0/999/0", .badRequest, "outside"),
        ("/api/scenes/0/tiles/0/-1/0", .badRequest, "outside"),
        ("/api/scenes/0/tiles/0/0/x", .badRequest, "integers"),
        ("/api/scenes/0/tiles/0/0/99999999999999999999999", .badRequest, "integers"),
        ("/api/scenes/0/tiles/0/0/0?bands=1,2", .badRequest, "one or three"),
        ("/api/scenes/0/tiles/0/0/0?bands=0,1,2", .badRequest, "1...4"),
        ("/api/scenes/0/tiles/0/0/0?bands=5", .badRequest, "1...4"),
        ("/api/scenes/0/tiles/0/0/0?stretch=50", .badRequest, "stretch"),
        ("/api/scenes/0/tiles/0/0/0?stretch=nan", .badRequest, "stretch"),
        ("/api/scenes/7/tiles/0/0/0", .notFound, "no scene 7"),
        ("/api/predictions/p99/tiles/classes/0/0/0", .notFound, "no prediction p99"),
        ("/api/scenes/0/pixel?x=-1&y=0", .badRequest, "outside"),
        ("/api/scenes/0/pixel?x=1", .badRequest, "integer"),
      ]
      for (uri, status, reason) in cases {
        let response = try await client.get(uri)
        XCTAssertEqual(response.status, status, uri)
        XCTAssertTrue(response.text.contains(reason), "\(uri): \(response.text)")
      }
    }
  }

  /// 3000 requests, 64 at a time, over the 756 tiles of a 6000² scene at three zooms, four times: resident
  /// memory grows by no more than the tile cache, GDAL's block cache and the drawing buffers.
  func testABurstOfTileRequestsKeepsMemoryFlat() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-serve-burst-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let big = folder.appendingPathComponent("big.tif").path
    try Self.writeScene(big, side: 6000)
    let fixture = try ViewerFixture(images: [big]) { $0.tileCacheBytes = 8 << 20 }
    defer { fixture.remove() }
    var uris: [String] = []
    for z in [-2, -1, 0] {
      let n = (6000 * (1 << (z + 2)) / 4 + 255) / 256
      for x in 0..<n { for y in 0..<n { uris.append("/api/scenes/0/tiles/\(z)/\(x)/\(y)") } }
    }
    let requests = Array(Array(repeating: uris, count: 4).joined().prefix(3000))
    let warm = requests.prefix(64)
    let before = try await fixture.viewer.application().test(.router) { client -> Int in
      for uri in warm { _ = try await client.get(uri) }
      return Self.residentBytes()
    }
    let start = Date()
    let (after, statuses) = try await fixture.viewer.application().test(.router) { client -> (Int, [HTTPResponse.Status: Int]) in
      var statuses: [HTTPResponse.Status: Int] = [:]
      try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
        var next = 0
        for _ in 0..<64 {
          let uri = requests[next]
          next += 1
          group.addTask { try await client.get(uri).status }
        }
        while let status = try await group.next() {
          statuses[status, default: 0] += 1
          if next < requests.count {
            let uri = requests[next]
            next += 1
            group.addTask { try await client.get(uri).status }
          }
        }
      }
      return (Self.residentBytes(), statuses)
    }
    let seconds = Date().timeIntervalSince(start)
    let growth = after - before
    print("tile burst: \(requests.count) requests in \(String(format: "%.1f", seconds)) s, statuses \(statuses), resident \(before >> 20) MB → \(after >> 20) MB")
    XCTAssertEqual(statuses[.ok], requests.count)
    XCTAssertLessThan(fixture.viewer.cache.bytes, 8 << 20)
    XCTAssertLessThan(growth, 200 << 20, "resident memory grew by \(growth >> 20) MB")
  }

  /// A large scene without overviews gets its own (a VRT and its .ovr in the outputs folder, the
  /// scene's folder untouched), after which a tile at any zoom takes milliseconds. The side is
  /// 8192 pixels, or `RSSEG_SERVE_SIDE` (20000 for the README's numbers).
  func testOverviewsMakeEveryZoomFast() async throws {
    let side = ProcessInfo.processInfo.environment["RSSEG_SERVE_SIDE"].flatMap { Int($0) } ?? 8192
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-serve-big-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let big = folder.appendingPathComponent("big.tif").path
    var start = Date()
    try Self.writeScene(big, side: side)
    print("serve overviews: wrote a \(side)² scene in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    let fixture = try ViewerFixture(images: [big])
    defer { fixture.remove() }
    let scene = fixture.viewer.catalog.scenes[0]
    let minZoom = scene.minimumZoom
    func tileSeconds(_ z: Int) async throws -> Double {
      let n = (side >> -z + 255) / 256
      let began = Date()
      try await fixture.viewer.application().test(.router) { client in
        for (x, y) in [(n / 2, n / 2), (n / 2 + 1, n / 2), (0, 0)] where x < n {
          let response = try await client.get("/api/scenes/0/tiles/\(z)/\(x)/\(y)")
          XCTAssertEqual(response.status, .ok, response.text)
        }
      }
      return Date().timeIntervalSince(began) / Double(min(3, n))
    }
    start = Date()
    let built = try await eventually(600) { scene.tileSource !== scene.dataset }
    XCTAssertTrue(built, "no overviews were built")
    print("serve overviews: built in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["big.tif"], "the scene's folder is untouched")
    for band in 0..<3 { _ = try scene.statistics(band: band) }
    var worst = 0.0
    for z in minZoom...0 {
      let seconds = try await tileSeconds(z)
      print("serve overviews: zoom \(z): \(String(format: "%.0f", seconds * 1000)) ms a tile")
      worst = max(worst, seconds)
    }
    XCTAssertLessThan(worst, 0.5, "a tile took \(worst) s")
    let reopened = try Viewer(
      images: [big], segmentation: fixture.viewer.inference.segmentation, referring: nil, settings: fixture.viewer.settings)
    let kept = try await eventually(10) { reopened.catalog.scenes[0].tileSource !== reopened.catalog.scenes[0].dataset }
    XCTAssertTrue(kept, "kept for the next start")
  }

  /// A tiled, deflated 3-band GeoTIFF of `side`² pixels with a pattern (no overviews).
  static func writeScene(_ path: String, side: Int) throws {
    let writer = try GeoTIFFWriter(
      path: path, width: side, height: side, bands: 3, dataType: .uint8,
      options: GeoTIFFOptions(geoReference: GeoReference(geoTransform: [500_000, 1, 0, 4_000_000, 0, -1], crsWKT: "")))
    for y0 in stride(from: 0, to: side, by: 500) {
      let rows = min(500, side - y0)
      var values = [UInt8](repeating: 0, count: 3 * side * rows)
      for b in 0..<3 { for r in 0..<rows { for x in 0..<side { values[(b * rows + r) * side + x] = UInt8(truncatingIfNeeded: (x >> (b + 3)) ^ ((y0 + r) >> 4)) } } }
      try writer.write(RasterBuffer(width: side, height: rows, bands: 3, values: values), x: 0, y: y0)
    }
    try writer.finish()
  }

  /// This process's resident set size (VmRSS).
  static func residentBytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Int(line.split(separator: " ")[1]) ?? 0) << 10
  }

  /// Decodes PNG bytes through GDAL.
  static func decode(_ png: [UInt8], in folder: URL) throws -> RasterBuffer<UInt8> {
    let path = folder.appendingPathComponent("tile-\(UUID().uuidString).png")
    try Data(png).write(to: path)
    return try RasterDataset(path: path.path).read(UInt8.self)
  }
}
