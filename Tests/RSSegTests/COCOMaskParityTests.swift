import Foundation
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// 300 segmentations decoded by pycocotools (`Tests/Fixtures/gen/coco_masks.py`): random
/// polygons inside the image, across its borders, on a half-pixel grid and with repeated
/// vertices, multi-polygons, and compressed strings of random masks. Masks must agree bit for bit.
final class COCOMaskParityTests: XCTestCase {
  private struct Case: Decodable {
    var height: Int
    var width: Int
    var polygons: [[Double]]?
    var compressed: String?
    var runs: [Int]
  }

  func testSegmentationsMatchPycocotools() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/coco_masks.json")
    struct File: Decodable { var cases: [Case] }
    let cases = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    XCTAssertEqual(cases.count, 300)
    var kinds: [String: Int] = [:]
    for (i, c) in cases.enumerated() {
      let expected = try COCORLE(height: c.height, width: c.width, counts: c.runs, source: "case \(i)").decoded()
      let segmentation: COCOSegmentation =
        if let polygons = c.polygons { .polygons(polygons) } else { .compressedRLE(height: c.height, width: c.width, counts: c.compressed!) }
      let decoded = COCORLE.decodedUnion(try segmentation.rles(height: c.height, width: c.width, source: "case \(i)"))
      XCTAssertEqual(decoded, expected, "case \(i) (\(segmentation.kind), \(c.width)×\(c.height))")
      kinds[segmentation.kind, default: 0] += 1
    }
    XCTAssertEqual(kinds, ["polygon": 160, "multi_polygon": 80, "compressed_rle": 60])
  }
}
