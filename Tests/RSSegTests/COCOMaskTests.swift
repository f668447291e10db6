import Foundation
import Raster
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// The RRSIS-D/RefSegRS format fixtures (`../shared/parity/rrsis_formats`), decoded with pycocotools.
enum RRSISFixtures {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/parity/rrsis_formats").standardizedFileURL

  struct ExpectedRef: Decodable {
    var segmentation_kind: String
    var pixels: Int
    var image: String
    var split: String
    var sentences: [String]
  }

  static func expectedRefs() throws -> [String: ExpectedRef] {
    struct File: Decodable { var rrsisd_refs: [String: ExpectedRef] }
    return try JSONDecoder().decode(File.self, from: Data(contentsOf: root.appendingPathComponent("expected.json"))).rrsisd_refs
  }

  /// An expected mask PNG as 0/1 rows (255 = target).
  static func expectedMask(_ name: String) throws -> (width: Int, height: Int, mask: [UInt8]) {
    let raster = try RasterDataset(path: root.appendingPathComponent(name).path, probeSiblings: false)
    let values = try raster.read(UInt8.self, bands: [0]).values
    XCTAssertTrue(values.allSatisfy { $0 == 0 || $0 == 255 }, name)
    return (raster.width, raster.height, values.map { $0 == 255 ? 1 : 0 })
  }
}

final class COCOMaskTests: XCTestCase {
  /// Every fixture ref (polygon, multi-polygon, RLE, compressed RLE) decodes to pycocotools'
  /// mask pixel for pixel.
  func testFixtureMasksMatchPycocotools() throws {
    let expected = try RRSISFixtures.expectedRefs()
    let coco = try COCOInstances(contentsOf: RRSISFixtures.root.appendingPathComponent(RRSISD.instancesFile))
    var kinds: Set<String> = []
    var checked = 0
    for split in ReferringSplit.allCases {
      let dataset = try RRSISD.dataset(root: RRSISFixtures.root, split: split, options: .init(size: nil))
      for object in dataset.objects {
        let want = try XCTUnwrap(expected[object.id], object.id)
        let png = try RRSISFixtures.expectedMask("expected_ref_\(object.id).png")
        let loaded = try dataset.loadOriginal(object)
        XCTAssertEqual(loaded.width, png.width)
        XCTAssertEqual(loaded.height, png.height)
        XCTAssertEqual(loaded.mask, png.mask, "ref \(object.id) (\(want.segmentation_kind))")
        XCTAssertEqual(loaded.mask.reduce(0) { $0 + Int($1) }, want.pixels, "ref \(object.id)")
        XCTAssertEqual((object.imagePath as NSString).lastPathComponent, want.image)
        guard case .rle(let parts) = object.target else { return XCTFail("RRSIS-D targets are runs") }
        XCTAssertEqual(parts.reduce(0) { $0 + $1.area }, want.pixels, "no overlapping polygons in the fixture")
        kinds.insert(want.segmentation_kind)
        checked += 1
      }
    }
    XCTAssertEqual(checked, expected.count)
    XCTAssertEqual(kinds, ["polygon", "multi_polygon", "rle", "compressed_rle"])
    XCTAssertEqual(Set(coco.annotations.values.map(\.segmentation.kind)), kinds)
  }

  /// Runs are column-major: the first run goes down column 0.
  func testRLEIsColumnMajor() throws {
    let rle = try COCORLE(height: 2, width: 3, counts: [1, 2, 3], source: "t")
    XCTAssertEqual(rle.decoded(), [0, 1, 0, 1, 0, 0])
    XCTAssertEqual(rle.area, 2)
  }

  /// Compressed strings: small runs, a negative difference (bit 0x10) and multi-character numbers.
  func testCompressedStringDecoding() throws {
    // Counts [3, 40, 2, 5]: "3" = 3; 40 = 8 + 32·1 → '8'+0x20 = 'X', then '1'; 2 → '2';
    // 5 − 40 = −35 → groups 0b11101 (−35 & 31 = 29, more) and −2 & 31 = 30 (sign bit) → 'm', 'N'.
    let rle = try COCORLE(height: 5, width: 10, compressed: "3X12mN", source: "t")
    XCTAssertEqual(rle.counts, [3, 40, 2, 5])
    let fixture = try COCORLE(height: 64, width: 80, compressed: "Se35k100000000000ml0", source: "t")
    XCTAssertEqual(fixture.area, 35)
  }

  func testBadRunsAreRejectedBeforeDecoding() {
    assertBad(try COCORLE(height: 4, width: 4, counts: [3, 4], source: "ann.json"), "sum to only 7, not the 4×4 = 16 pixels")
    assertBad(try COCORLE(height: 4, width: 4, counts: [3, 40], source: "ann.json"), "more than")
    assertBad(try COCORLE(height: 4, width: 4, counts: [-4, 20], source: "ann.json"), "negative")
    assertBad(try COCORLE(height: 0, width: 4, counts: [], source: "ann.json"), "0×4")
    assertBad(try COCORLE(height: 1 << 20, width: 1 << 20, counts: [1 << 40], source: "ann.json"), "too large")
    assertBad(try COCORLE(height: 4, width: 4, compressed: "3 4", source: "ann.json"), "outside the encoding")
    assertBad(try COCORLE(height: 4, width: 4, compressed: "3X", source: "ann.json"), "ends inside")
    assertBad(try COCORLE(height: 4, width: 4, compressed: "oooooooo0", source: "ann.json"), "beyond 32 bits")
    let wrongSize = COCOSegmentation.rle(height: 4, width: 5, counts: [20])
    assertBad(try wrongSize.rles(height: 5, width: 4, source: "ann.json"), "4×5 (h×w) but the image is 5×4")
  }

  func testBrokenPolygonsAreRejected() {
    assertBad(try COCORLE(height: 8, width: 8, polygon: [1, 1, 5, 1, 5], source: "ann.json"), "5 coordinate(s)")
    assertBad(try COCORLE(height: 8, width: 8, polygon: [1, 1, 5, 1], source: "ann.json"), "at least 6")
    assertBad(try COCORLE(height: 8, width: 8, polygon: [1, 1, 5, .nan, 5, 5], source: "ann.json"), "y coordinate nan")
    assertBad(try COCORLE(height: 8, width: 8, polygon: [1, 1, 5e9, 1, 5, 5], source: "ann.json"), "x coordinate")
    assertBad(try COCOSegmentation.polygons([]).rles(height: 8, width: 8, source: "ann.json"), "no polygon")
    var zigzag: [Double] = []  // 2000 edges across three image widths: 120M traced points
    for i in 0..<2000 { zigzag += [i % 2 == 0 ? -4000 : 8000, Double(i % 8)] }
    assertBad(try COCORLE(height: 8, width: 4000, polygon: zigzag, source: "ann.json"), "outline is too long")
  }

  /// A repeated vertex (a zero-length edge, 0/0 in the C code) leaves the mask unchanged; a
  /// polygon reaching past the border is clipped like pycocotools does.
  func testPolygonEdgeCases() throws {
    let square: [Double] = [1.2, 1.1, 6.3, 1.4, 6.1, 5.8, 1.4, 6.2]
    let plain = try COCORLE(height: 8, width: 8, polygon: square, source: "t")
    let repeated = try COCORLE(height: 8, width: 8, polygon: [1.2, 1.1, 1.2, 1.1] + square.dropFirst(2), source: "t")
    XCTAssertEqual(plain, repeated)
    XCTAssertGreaterThan(plain.area, 16)
    let outside = try COCORLE(height: 8, width: 8, polygon: [-3, -3, 12, -3, 12, 12, -3, 12], source: "t")
    XCTAssertEqual(outside.area, 64)
  }

  private func assertBad<T>(_ body: @autoclosure () throws -> T, _ text: String, line: UInt = #line) {
    XCTAssertThrowsError(try body(), line: line) { error in
      guard case DataError.badSample(let path, let problem) = error else { return XCTFail("\(error)", line: line) }
      XCTAssertEqual(path, "ann.json", line: line)
      XCTAssertTrue(problem.contains(text), problem, line: line)
    }
  }
}
