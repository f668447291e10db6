import Raster
@testable import RSSegServe
import XCTest

/// The pieces under the routes: tile geometry, the tile cache, the live class map.
final class ViewerPartsTests: XCTestCase {
  func testTilesPlaceRastersOnTheScenePixels() throws {
    XCTAssertEqual(TileAddress.levels(toFit: 256), 0)
    XCTAssertEqual(TileAddress.levels(toFit: 257), 1)
    XCTAssertEqual(TileAddress.levels(toFit: 20_000), 7)
    let scene = PixelWindow(x: 0, y: 0, width: 1000, height: 700)
    // Zoom −1: a tile covers 512² scene pixels; tile (1, 1) holds the scene's 488 × 188 corner.
    let tile = try TileAddress(z: "-1", x: "1", y: "1", width: 1000, height: 700)
    let placed = try XCTUnwrap(tile.placement(of: scene))
    XCTAssertEqual(placed.source, PixelWindow(x: 512, y: 512, width: 488, height: 188))
    XCTAssertEqual(placed.target, PixelWindow(x: 0, y: 0, width: 244, height: 94))
    // A view at (600, 550) of 100 × 100 lands inside that tile, read from its own origin.
    let view = try XCTUnwrap(tile.placement(of: PixelWindow(x: 600, y: 550, width: 100, height: 100)))
    XCTAssertEqual(view.source, PixelWindow(x: 0, y: 0, width: 100, height: 100))
    XCTAssertEqual(view.target, PixelWindow(x: 44, y: 19, width: 50, height: 50))
    XCTAssertNil(tile.placement(of: PixelWindow(x: 0, y: 0, width: 100, height: 100)))
    XCTAssertThrowsError(try TileAddress(z: "-1", x: "2", y: "0", width: 1000, height: 700))
    XCTAssertThrowsError(try TileAddress(z: "-3", x: "0", y: "0", width: 1000, height: 700))
  }

  func testTheCacheDropsTheLeastRecentlyUsedPastItsBudget() {
    let cache = TileCache(budget: 1000)
    for i in 0..<8 { cache.insert([UInt8](repeating: 0, count: 100), for: "t\(i)") }
    XCTAssertNotNil(cache.tile("t0"))
    for i in 8..<12 { cache.insert([UInt8](repeating: 0, count: 100), for: "t\(i)") }
    XCTAssertLessThanOrEqual(cache.bytes, 1000)
    XCTAssertNotNil(cache.tile("t0"), "used recently")
    XCTAssertNil(cache.tile("t1"), "the oldest unused went first")
    XCTAssertNotNil(cache.tile("t11"))
    cache.insert([UInt8](repeating: 0, count: 400), for: "too big")
    XCTAssertNil(cache.tile("too big"))
  }

  func testTheLiveClassMapHoldsWhatWasPainted() throws {
    let live = LiveClassMap(width: 10, height: 6)
    live.paint(PixelWindow(x: 2, y: 1, width: 3, height: 2), labels: [1, 2, 3, 4, 5, 6])
    let all = try live.bytes(PixelWindow(x: 0, y: 0, width: 10, height: 6), outWidth: 10, outHeight: 6)
    XCTAssertEqual(Array(all[12..<15]), [1, 2, 3])
    XCTAssertEqual(Array(all[22..<25]), [4, 5, 6])
    XCTAssertEqual(all.filter { $0 != LiveClassMap.unpainted }.count, 6)
    let coarse = LiveClassMap(width: 4000, height: 10, maxSide: 1000)
    coarse.paint(PixelWindow(x: 0, y: 0, width: 8, height: 1), labels: [7, 7, 7, 7, 8, 8, 8, 8])
    XCTAssertEqual(try coarse.bytes(PixelWindow(x: 0, y: 0, width: 8, height: 1), outWidth: 2, outHeight: 1), [7, 8])
  }
}
