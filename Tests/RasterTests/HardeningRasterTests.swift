import Foundation
import XCTest

@testable import Raster

/// A raster whose header claims an impossible size is refused before anything is allocated.
final class HardeningRasterTests: XCTestCase {
  func testHugeReadIsRefused() throws {
    // A VRT declaring 2e9 × 2e9 pixels opens instantly (it has no pixels to hold).
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).vrt")
    let vrt = """
      <VRTDataset rasterXSize="2000000000" rasterYSize="2000000000">
        <VRTRasterBand dataType="Byte" band="1"/>
        <VRTRasterBand dataType="Byte" band="2"/>
      </VRTDataset>
      """
    try vrt.write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    let dataset = try RasterDataset(path: url.path)
    XCTAssertEqual([dataset.width, dataset.height, dataset.bandCount], [2_000_000_000, 2_000_000_000, 2])
    XCTAssertThrowsError(try dataset.read(Float.self)) { error in
      XCTAssertTrue("\(error)".contains("needs 32000000000.0 GB, more than this machine's memory; read it in windows"), "\(error)")
      XCTAssertTrue("\(error)".contains(url.path), "\(error)")
    }
    // A window of it reads.
    let window = try dataset.read(UInt8.self, window: PixelWindow(x: 5, y: 5, width: 4, height: 3))
    XCTAssertEqual(window.values.count, 24)
  }
}
