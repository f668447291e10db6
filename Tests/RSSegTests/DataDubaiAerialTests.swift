import Foundation
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// The real Dubai aerial sample in ../shared/data/dubai_aerial.
final class DataDubaiAerialTests: XCTestCase {
  private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/dubai_aerial")

  func testEveryMaskDecodesWithTheLabelsJSONColours() throws {
    let train = try DubaiAerial.dataset(root: root, split: .train)
    let val = try DubaiAerial.dataset(root: root, split: .val)
    let test = try DubaiAerial.dataset(root: root, split: .test)
    XCTAssertEqual([train.count, val.count, test.count], [40, 5, 9])
    let names = [train, val, test].map { ds in Set(ds.samples.map(\.name)) }
    XCTAssertTrue(names[0].isDisjoint(with: names[1]) && names[0].isDisjoint(with: names[2]) && names[1].isDisjoint(with: names[2]))
    XCTAssertEqual(names[1], Set((1...5).map { "tile\($0)_image_part_009" }))
    XCTAssertTrue(names[2].allSatisfy { $0.hasPrefix("tile6_") })
    var pixels = [Int](repeating: 0, count: 256)
    for ds in [train, val, test] {
      for i in 0..<ds.count {
        let s = try ds.load(i)  // throws on any colour outside labels.json
        XCTAssertEqual(s.channels, 3)
        for (v, n) in s.maskHistogram().enumerated() { pixels[v] += n }
      }
    }
    let total = Double(pixels.reduce(0, +))
    // Shares from the dataset README: Land 39.1 %, Water 31.1 %, Building 11.9 %; black < 0.01 %.
    XCTAssertEqual(Double(pixels[1]) / total, 0.391, accuracy: 0.01)
    XCTAssertEqual(Double(pixels[4]) / total, 0.311, accuracy: 0.01)
    XCTAssertEqual(Double(pixels[0]) / total, 0.119, accuracy: 0.01)
    XCTAssertLessThan(Double(pixels[6]) / total, 1e-4)
    XCTAssertEqual(pixels[7...].reduce(0, +), 0)
  }
}
