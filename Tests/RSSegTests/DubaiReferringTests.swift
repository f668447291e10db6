import Foundation
import XCTest

@testable import RSSeg
@testable import RSSegModels

/// The referring dataset derived from the Dubai aerial sample's masks (`prepare dubai-referring`).
final class DubaiReferringTests: XCTestCase {
  private let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/dubai_aerial")

  /// A hand-made 64 × 64 mask: Land everywhere, a big building top left, a small building
  /// bottom right, one road across the middle, two equal water bodies.
  func testExpressionsAreKeptOnlyWhenTheyPickOutOneObject() {
    let size = 64
    var mask = [UInt8](repeating: 1, count: size * size)
    func fill(_ xs: Range<Int>, _ ys: Range<Int>, _ c: UInt8) { for y in ys { for x in xs { mask[y * size + x] = c } } }
    fill(2..<20, 2..<20, 0)  // big building, top left
    fill(50..<56, 50..<56, 0)  // small building, bottom right
    fill(0..<64, 30..<34, 2)  // road across the middle (splits Land in two)
    fill(40..<46, 2..<8, 4)  // water, top
    fill(40..<46, 50..<56, 4)  // water of the same size, bottom
    let (regions, referents, sentences) = DubaiReferringDataset.expressions(
      mask: mask, size: size, options: .init(size: size, minArea: 0.005, maxSentences: 100), salt: 0)
    func object(_ text: String) -> Int? { referents.first { sentences[$0].contains(text) } }
    func at(_ x: Int, _ y: Int) -> Int { regions.firstIndex { $0.pixels.contains(y * size + x) }! }
    let big = at(5, 5), small = at(52, 52), road = at(10, 31), topWater = at(42, 4), bottomWater = at(42, 52)
    XCTAssertEqual(object("the largest building"), big)
    XCTAssertEqual(object("the big building"), big)
    XCTAssertEqual(object("the building in the top left"), big)
    XCTAssertEqual(object("the small building"), small)
    XCTAssertEqual(object("the smallest building"), small)
    XCTAssertEqual(object("the building in the bottom right"), small)
    XCTAssertEqual(object("the road"), road)
    XCTAssertEqual(object("the water body at the top"), topWater)
    XCTAssertEqual(object("the water body below the road"), bottomWater)
    XCTAssertEqual(object("the building above the road"), big)
    // Ambiguous: two buildings, two water bodies of the same size, both touching Land.
    for text in ["the building", "the water body", "the largest water body", "the building next to the bare land"] {
      XCTAssertNil(object(text), text)
    }
    // Every kept sentence names one object, and no sentence is kept twice in an image.
    let all = referents.flatMap { sentences[$0] }
    XCTAssertEqual(all.count, Set(all).count)
    XCTAssertTrue(regions.indices.filter { !referents.contains($0) }.allSatisfy { sentences[$0].isEmpty })
  }

  func testTheDubaiSampleBecomesAnRRSISDDatasetSplitByTile() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-dubairef-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: out) }
    let summary = try DubaiReferringDataset.write(source: source, to: out, options: .init(size: 96))
    XCTAssertEqual(summary.images, ["train": 40, "val": 5, "test": 9])
    var seen: [String: Set<String>] = [:]
    for split in [ReferringSplit.train, .val, .test] {
      let dataset = try RRSISD.dataset(root: out, split: split, options: .init(size: nil))
      XCTAssertEqual(dataset.objects.count, summary.objects[split.rawValue], "\(split)")
      XCTAssertEqual(dataset.sentenceCount, summary.sentences[split.rawValue], "\(split)")
      XCTAssertGreaterThan(dataset.objects.count, split == .val ? 5 : 20, "\(split)")
      for object in dataset.objects {
        let name = URL(fileURLWithPath: object.imagePath).lastPathComponent
        XCTAssertEqual(name.hasPrefix("tile6_"), split == .test, name)
        XCTAssertTrue((1...8).contains(object.sentences.count))
        // A sentence never names two objects of one image.
        for sentence in object.sentences {
          XCTAssertTrue(seen[name, default: []].insert(sentence.text).inserted, "\(name): \(sentence.text)")
        }
      }
      let sample = try dataset.load(dataset.evaluationSamples()[0])
      XCTAssertEqual([sample.pixels.width, sample.pixels.height], [96, 96])
      XCTAssertGreaterThan(sample.pixels.mask.filter { $0 == 1 }.count, Int(0.005 * 96 * 96))
    }
    // The baseline cannot score 100: several objects of a class share its pixels.
    let test = try XCTUnwrap(summary.baseline["test"])
    XCTAssertGreaterThan(test.oIoU, 5)
    XCTAssertLessThan(test.oIoU, 90)
    XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("dubai-referring.json").path))
  }
}
