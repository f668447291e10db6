import Foundation
import Torch
import XCTest

@testable import RSSeg
@testable import RSSegModels

/// The pickle writer, COCO run-length encoding and the generated RRSIS-D-format dataset.
final class SyntheticReferringTests: XCTestCase {
  private var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-synref-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

  func testPickleBytesAreCPythonsWithoutTheMemo() {
    // pickle.dumps({'a': [1, 300, 70000, -2, 'é'], 'b': {}}, 2) with its BINPUT opcodes removed.
    let value = PickleData.dict([("a", .list([.int(1), .int(300), .int(70000), .int(-2), .string("é")])), ("b", .dict([]))])
    let expected: [UInt8] = [
      128, 2, 125, 40, 88, 1, 0, 0, 0, 97, 93, 40, 75, 1, 77, 44, 1, 74, 112, 17, 1, 0, 74, 254, 255, 255, 255,
      88, 2, 0, 0, 0, 195, 169, 101, 88, 1, 0, 0, 0, 98, 125, 117, 46,
    ]
    XCTAssertEqual(PickleWriter.encode(value), expected)
  }

  func testPickleRoundTripsThroughTheReader() throws {
    let value = PickleData.list([
      .dict([("n", .int(1 << 40)), ("f", .float(0.25)), ("t", .bool(true)), ("none", .none), ("s", .string("the red square"))]),
      .list([]),
    ])
    let url = root.appendingPathComponent("x.p")
    try PickleWriter.write(value, to: url)
    guard case .list(let items) = try Pickle.read(url.path), items.count == 2, let first = items.first else {
      return XCTFail("not a two-item list")
    }
    guard case .int(1 << 40) = first["n"], case .float(0.25) = first["f"], case .bool(true) = first["t"], case .some(.none) = first["none"],
      case .string("the red square") = first["s"], case .list(let empty) = items[1], empty.isEmpty
    else { return XCTFail("unexpected values \(items)") }
  }

  func testRunLengthsAreColumnMajorAndCompressLikePycocotools() throws {
    // A 7×5 box at x 58…64, y 35…39 in a 64-high, 80-wide image: the fixture's annotation 20,
    // whose pycocotools string is "Se35k100000000000ml0".
    let (width, height) = (80, 64)
    var mask = [Bool](repeating: false, count: width * height)
    for y in 35...39 { for x in 58...64 { mask[y * width + x] = true } }
    let rle = try COCORLE(mask: mask, width: width, height: height)
    XCTAssertEqual(rle.counts.prefix(3), [58 * 64 + 35, 5, 59])
    XCTAssertEqual(rle.compressedCounts, "Se35k100000000000ml0")
    XCTAssertEqual(try COCORLE(mask: [true, true, false, true], width: 2, height: 2).counts, [0, 1, 1, 2])
    // Random masks survive encoding, compression and the reader's decoding.
    var random = SeededRandom(seed: 1)
    for _ in 0..<20 {
      let (w, h) = (random.int(in: 1...40), random.int(in: 1...40))
      let bits = (0..<(w * h)).map { _ in random.chance(0.3) }
      let encoded = try COCORLE(mask: bits, width: w, height: h)
      XCTAssertEqual(try COCORLE(height: h, width: w, compressed: encoded.compressedCounts, source: "test"), encoded)
      XCTAssertEqual(encoded.decoded(), bits.map { $0 ? 1 : 0 })
    }
  }

  func testScenesNameTheirShapesAndNeverOverlap() {
    for index in 0..<20 {
      let scene = SyntheticReferringScenes.scene(seed: 3, index: index, size: 64)
      XCTAssertTrue((2...4).contains(scene.objects.count))
      var covered = [Int](repeating: 0, count: 64 * 64)
      for o in scene.objects {
        XCTAssertEqual(o.sentences.first, "the \(o.colour) \(o.kind)")
        XCTAssertTrue((1...3).contains(o.sentences.count))
        XCTAssertGreaterThan(o.mask.filter { $0 }.count, 20)
        for (p, inside) in o.mask.enumerated() where inside { covered[p] += 1 }
        // The shape is painted in its colour: the red channel tells red/yellow from green/blue.
        let p = Int(o.centreY) * 64 + Int(o.centreX)
        XCTAssertTrue(o.mask[p])
        XCTAssertEqual(scene.rgb[p] > 150, o.colour == .red || o.colour == .yellow, "\(o.colour) at \(index)")
      }
      XCTAssertLessThanOrEqual(covered.max()!, 1, "scene \(index) has overlapping shapes")
      XCTAssertEqual(Set(scene.objects.map { "\($0.colour) \($0.kind)" }).count, scene.objects.count)
    }
    XCTAssertEqual(
      SyntheticReferringScenes.scene(seed: 3, index: 4, size: 64).rgb, SyntheticReferringScenes.scene(seed: 3, index: 4, size: 64).rgb)
    XCTAssertNotEqual(
      SyntheticReferringScenes.scene(seed: 3, index: 4, size: 64).rgb, SyntheticReferringScenes.scene(seed: 4, index: 4, size: 64).rgb)
  }

  func testDatasetIsInTheRRSISDLayout() throws {
    let summary = try SyntheticReferringDataset.write(.init(images: 10, size: 48, seed: 1), to: root)
    XCTAssertEqual(summary.images, ["train": 7, "val": 2, "test": 1])
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("rrsisd/instances.json"))) as! [String: Any]
    let images = json["images"] as! [[String: Any]], annotations = json["annotations"] as! [[String: Any]]
    XCTAssertEqual(images.count, 10)
    for image in images {
      let path = root.appendingPathComponent("images/rrsisd/JPEGImages/\(image["file_name"] as! String)").path
      XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
    }
    var kinds = Set<String>()
    for a in annotations {
      let area = a["area"] as! Int
      if let polygon = a["segmentation"] as? [[Double]] {
        kinds.insert("polygon")
        XCTAssertTrue([6, 8].contains(polygon[0].count))
      } else {
        let rle = a["segmentation"] as! [String: Any]
        XCTAssertEqual(rle["size"] as! [Int], [48, 48])
        if let counts = rle["counts"] as? [Int] {
          kinds.insert("rle")
          XCTAssertEqual(counts.reduce(0, +), 48 * 48)
          XCTAssertEqual(stride(from: 1, to: counts.count, by: 2).map { counts[$0] }.reduce(0, +), area)
        } else {
          kinds.insert("compressed")
          XCTAssertFalse((rle["counts"] as! String).isEmpty)
        }
      }
    }
    XCTAssertEqual(kinds, ["polygon", "rle", "compressed"])
    guard case .list(let refs) = try Pickle.read(root.appendingPathComponent("rrsisd/refs(unc).p").path) else {
      return XCTFail("refs(unc).p is not a list")
    }
    XCTAssertEqual(refs.count, annotations.count)
    XCTAssertEqual(refs.count, summary.refs.values.reduce(0, +))
    var sentenceIDs: [Int] = []
    for ref in refs {
      guard case .string(let split) = ref["split"], case .list(let sentences) = ref["sentences"], case .list(let ids) = ref["sent_ids"],
        case .int = ref["ann_id"], case .int = ref["image_id"], case .string(let file) = ref["file_name"]
      else { return XCTFail("malformed ref \(ref)") }
      XCTAssertTrue(["train", "val", "test"].contains(split))
      XCTAssertTrue(file.hasSuffix(".png"))
      XCTAssertEqual(sentences.count, ids.count)
      for sentence in sentences {
        guard case .string(let raw) = sentence["raw"], case .string(let sent) = sentence["sent"], case .int(let id) = sentence["sent_id"],
          case .list(let tokens) = sentence["tokens"]
        else { return XCTFail("malformed sentence \(sentence)") }
        XCTAssertEqual(raw, sent)
        XCTAssertEqual(tokens.count, sent.split(separator: " ").count)
        sentenceIDs.append(id)
      }
    }
    XCTAssertEqual(sentenceIDs, Array(0..<sentenceIDs.count))
  }

  func testTheRRSISDReaderDecodesTheShapesThatWereDrawn() throws {
    try SyntheticReferringDataset.write(.init(images: 6, size: 48, seed: 4), to: root)
    var objects = 0
    for split in ReferringSplit.allCases {
      let dataset = try RRSISD.dataset(root: root, split: split, options: ReferringOptions(size: nil))
      for (o, object) in dataset.objects.enumerated() {
        let sample = try dataset.load(ReferringSampleID(object: o, sentence: 0))
        let index = Int(URL(fileURLWithPath: object.imagePath).deletingPathExtension().lastPathComponent)! - 1
        let scene = SyntheticReferringScenes.scene(seed: 4, index: index, size: 48)
        let drawn = try XCTUnwrap(scene.objects.first { $0.sentences[0] == sample.sentence.text })  // unique per scene
        XCTAssertEqual(sample.pixels.image, scene.rgb)
        let truth = drawn.mask.map { UInt8($0 ? 1 : 0) }
        if drawn.kind == .circle {
          XCTAssertEqual(sample.pixels.mask, truth, "RLE of \(drawn.colour) circle in image \(index)")
        } else {
          // Polygons are rasterised the pycocotools way: the same shape up to its border pixels.
          var scores = ReferringScores()
          try scores.add(predicted: sample.pixels.mask, target: truth)
          XCTAssertGreaterThan(scores.overallIoU, 0.8, "\(drawn.colour) \(drawn.kind) in image \(index)")
        }
        objects += 1
      }
    }
    XCTAssertGreaterThan(objects, 10)
  }

  func testEverySplitGetsImages() {
    for count in [3, 4, 5, 10, 12, 200] {
      let splits = (0..<count).map { SyntheticReferringDataset.split(of: $0, count: count) }
      for name in ["train", "val", "test"] { XCTAssertTrue(splits.contains(name), "\(name) of \(count)") }
    }
    XCTAssertEqual((0..<200).filter { SyntheticReferringDataset.split(of: $0, count: 200) == "train" }.count, 140)
  }

  func testTooSmallDatasetsAreRefused() {
    XCTAssertThrowsError(try SyntheticReferringDataset.write(.init(images: 2), to: root)) { error in
      XCTAssertTrue("\(error)".contains("at least 3 images"), "\(error)")
    }
  }
}
