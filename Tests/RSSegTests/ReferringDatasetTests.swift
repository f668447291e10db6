import Foundation
import Raster
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// A minimal protocol-2 pickle writer for plain data (what `refs(unc).p` holds), so tests can
/// write RRSIS-D layouts with chosen defects.
private enum PlainPickle {
  indirect enum Value {
    case int(Int)
    case str(String)
    case list([Value])
    case dict([(String, Value)])
  }

  static func encode(_ value: Value) -> [UInt8] { [0x80, 0x02] + body(value) + [0x2E] }

  private static func body(_ value: Value) -> [UInt8] {
    switch value {
    case .int(let i): return [0x4A] + withUnsafeBytes(of: Int32(i).littleEndian, Array.init)
    case .str(let s):
      let b = Array(s.utf8)
      return [0x58] + withUnsafeBytes(of: UInt32(b.count).littleEndian, Array.init) + b
    case .list(let items): return [0x5D, 0x28] + items.flatMap(body) + [0x65]
    case .dict(let items): return [0x7D, 0x28] + items.flatMap { body(.str($0.0)) + body($0.1) } + [0x75]
    }
  }

  static func ref(id: Int, ann: Int, image: Int, split: String, sentences: [String]) -> Value {
    .dict([
      ("ref_id", .int(id)), ("ann_id", .int(ann)), ("image_id", .int(image)), ("split", .str(split)),
      ("sentences", .list(sentences.enumerated().map { .dict([("raw", .str($1)), ("sent_id", .int(id * 10 + $0))]) })),
    ])
  }
}

final class ReferringDatasetTests: XCTestCase {
  private var root: URL { RRSISFixtures.root }

  func testRRSISDSplitsAndSentences() throws {
    let expected = try RRSISFixtures.expectedRefs()
    let counts: [ReferringSplit: (objects: Int, sentences: Int)] = [.train: (4, 8), .val: (2, 5), .test: (2, 4)]
    for split in ReferringSplit.allCases {
      let dataset = try RRSISD.dataset(root: root, split: split)
      XCTAssertEqual(dataset.objects.count, counts[split]!.objects, "\(split)")
      XCTAssertEqual(dataset.sentenceCount, counts[split]!.sentences, "\(split)")
      XCTAssertEqual(dataset.evaluationSamples().count, counts[split]!.sentences)
      XCTAssertTrue(dataset.warnings.isEmpty)
      for object in dataset.objects {
        let want = try XCTUnwrap(expected[object.id])
        XCTAssertEqual(want.split, split.rawValue)
        XCTAssertEqual(object.sentences.map(\.text), want.sentences, "ref \(object.id)")
      }
    }
    let val = try ReferringBenchmark(rawValue: "rrsisd")!.dataset(root: root, split: .val)
    XCTAssertEqual(val.objects.map(\.id), ["110", "111"])
    XCTAssertEqual(val.objects[1].sentences, [.init(id: 7, text: "the second vehicle from the bottom"), .init(id: 8, text: "the white car next to the road")])
    XCTAssertEqual(
      val.evaluationSamples(),
      [.init(object: 0, sentence: 0), .init(object: 0, sentence: 1), .init(object: 0, sentence: 2), .init(object: 1, sentence: 0), .init(object: 1, sentence: 1)])
  }

  /// Training: one sentence per object, a function of (seed, epoch, object) only.
  func testTrainingSamplesAreSeededPerEpoch() throws {
    let dataset = try RRSISD.dataset(root: root, split: .train)
    let epoch0 = dataset.trainingSamples(seed: 7, epoch: 0)
    XCTAssertEqual(epoch0, dataset.trainingSamples(seed: 7, epoch: 0))
    XCTAssertEqual(epoch0.map(\.object), [0, 1, 2, 3])
    let epochs = (0..<30).map { dataset.trainingSamples(seed: 7, epoch: $0) }
    // ref 101 has three sentences: all get drawn; single-sentence refs always give sentence 0.
    XCTAssertEqual(Set(epochs.map { $0[1].sentence }), [0, 1, 2])
    XCTAssertEqual(Set(epochs.map { $0[0].sentence }), [0])
    XCTAssertNotEqual(epochs.map { $0[1].sentence }, (0..<30).map { dataset.trainingSamples(seed: 8, epoch: $0)[1].sentence })
    var withSilent = dataset
    withSilent.objects[2].sentences = []
    XCTAssertEqual(withSilent.trainingSamples(seed: 7, epoch: 0).map(\.object), [0, 1, 3])
    XCTAssertEqual(withSilent.evaluationSamples().count, dataset.sentenceCount - 1)
  }

  /// Samples come at 480×480 (bilinear image, nearest mask) and keep the file's size on record.
  func testLoadResizesImageAndMask() throws {
    let dataset = try RRSISD.dataset(root: root, split: .val)
    let sample = try dataset.load(.init(object: 1, sentence: 1))
    XCTAssertEqual(sample.objectID, "111")
    XCTAssertEqual(sample.name, "111_s8")
    XCTAssertEqual(sample.sentence.text, "the white car next to the road")
    XCTAssertEqual([sample.pixels.width, sample.pixels.height, sample.pixels.channels], [480, 480, 3])
    XCTAssertEqual([sample.originalWidth, sample.originalHeight], [80, 64])
    let png = try RRSISFixtures.expectedMask("expected_ref_111.png")
    let expected = LabeledImage(width: png.width, height: png.height, channels: 3, maskFill: 0)
    var withMask = expected
    withMask.mask = png.mask
    XCTAssertEqual(sample.pixels.mask, withMask.resized(width: 480, height: 480).mask)
    let raster = try RasterDataset(path: sample.imagePath)
    let original = LabeledImage(width: 80, height: 64, channels: 3, image: try raster.read(UInt8.self).values, mask: png.mask)
    XCTAssertEqual(sample.pixels.image, original.resized(width: 480, height: 480, filter: .bilinear).image)
    XCTAssertNotEqual(sample.pixels.image, original.resized(width: 480, height: 480, filter: .bicubic).image)
  }

  func testRefSegRSSplitsAndMasks() throws {
    let refSegRS = root.appendingPathComponent("RefSegRS")
    let sentences: [ReferringSplit: [String]] = [
      .train: ["road along the river", "the vehicle"], .val: ["building in the center"], .test: ["low vegetation", "the two trucks"],
    ]
    var seen = 0
    for split in ReferringSplit.allCases {
      let dataset = try ReferringBenchmark.refsegrs.dataset(root: refSegRS, split: split, options: .init(size: nil))
      XCTAssertEqual(dataset.evaluationSamples().count, sentences[split]!.count)
      XCTAssertEqual(dataset.objects.flatMap { $0.sentences.map(\.text) }, sentences[split]!)
      for object in dataset.objects {
        let png = try RRSISFixtures.expectedMask("expected_refsegrs_\(object.id).png")
        let loaded = try dataset.loadOriginal(object)
        XCTAssertEqual(loaded.mask, png.mask, "RefSegRS \(object.id)")
        XCTAssertGreaterThan(loaded.mask.reduce(0) { $0 + Int($1) }, 0)
        seen += 1
      }
    }
    XCTAssertEqual(seen, 5)
  }

  /// Each defect fails with the file and the problem; with skipBad it becomes a warning and the
  /// good refs remain.
  func testRRSISDBadInput() throws {
    let folder = try DataFixtures.folder(self)
    try DataFixtures.mkdir(folder.appendingPathComponent(RRSISD.imageFolder))
    try DataFixtures.mkdir(folder.appendingPathComponent("rrsisd"))
    try FileManager.default.copyItem(
      at: root.appendingPathComponent("\(RRSISD.imageFolder)/01000.jpg"), to: folder.appendingPathComponent("\(RRSISD.imageFolder)/01000.jpg"))
    let images: [[String: Any]] = [
      ["id": 1, "file_name": "01000.jpg", "height": 72, "width": 72],
      ["id": 2, "file_name": "missing.jpg", "height": 72, "width": 72],
      ["id": 3, "file_name": "01000.jpg", "height": 70, "width": 72],
    ]
    let square: [Double] = [10, 10, 30, 10, 30, 30, 10, 30]
    let annotations: [[String: Any]] = [
      ["id": 1, "image_id": 1, "segmentation": [square]],
      ["id": 2, "image_id": 2, "segmentation": [square]],
      ["id": 3, "image_id": 1, "segmentation": [[10, 10, 30, 10, 30]]],
      ["id": 4, "image_id": 1, "segmentation": ["size": [72, 72], "counts": [100, 20, 10]]],
      ["id": 5, "image_id": 3, "segmentation": [square]],
    ]
    let json = try JSONSerialization.data(withJSONObject: ["images": images, "annotations": annotations, "categories": []])
    try json.write(to: folder.appendingPathComponent(RRSISD.instancesFile))
    let refs: [PlainPickle.Value] = [
      PlainPickle.ref(id: 1, ann: 1, image: 1, split: "train", sentences: ["the square", "a square"]),
      PlainPickle.ref(id: 2, ann: 2, image: 2, split: "train", sentences: ["missing image"]),
      PlainPickle.ref(id: 3, ann: 3, image: 1, split: "train", sentences: ["broken polygon"]),
      PlainPickle.ref(id: 4, ann: 4, image: 1, split: "train", sentences: ["short RLE"]),
      PlainPickle.ref(id: 5, ann: 5, image: 3, split: "train", sentences: ["wrong size"]),
      PlainPickle.ref(id: 6, ann: 1, image: 1, split: "testA", sentences: ["unknown split"]),
      PlainPickle.ref(id: 7, ann: 99, image: 1, split: "train", sentences: ["no annotation"]),
      PlainPickle.ref(id: 8, ann: 1, image: 3, split: "train", sentences: ["other image"]),
    ]
    let refsPath = folder.appendingPathComponent(RRSISD.refsFile)
    try Data(PlainPickle.encode(.list(refs))).write(to: refsPath)

    XCTAssertThrowsError(try RRSISD.dataset(root: folder, split: .train)) { error in
      XCTAssertEqual("\(error)", "\(folder.appendingPathComponent("\(RRSISD.imageFolder)/missing.jpg").path): image of ref 2 not found")
    }
    let dataset = try RRSISD.dataset(root: folder, split: .train, options: .init(skipBad: true))
    XCTAssertEqual(dataset.objects.map(\.id), ["1"])
    XCTAssertEqual(dataset.sentenceCount, 2)
    let expectations = [
      "missing.jpg: image of ref 2 not found",
      "instances.json annotation 3 (ref 3): polygon has 5 coordinate(s)",
      "instances.json annotation 4 (ref 4): RLE counts sum to only 130, not the 72×72 = 5184 pixels of the mask",
      "01000.jpg: image is 72×72 but rrsisd/instances.json says 72×70",
      "refs(unc).p: ref 6 has split 'testA'; expected train, val or test",
      "instances.json: annotation 99 of ref 7 not found",
      "refs(unc).p: ref 8 names image 3 but its annotation 1 is on image 1",
    ]
    XCTAssertEqual(dataset.warnings.count, expectations.count, "\(dataset.warnings)")
    for (warning, text) in zip(dataset.warnings, expectations) {
      XCTAssertTrue(warning.hasPrefix("skipped: \(folder.path)/"), warning)
      XCTAssertTrue(warning.contains(text), "\(warning) does not contain \(text)")
    }
    let sample = try dataset.load(.init(object: 0, sentence: 1))
    XCTAssertEqual(sample.pixels.mask.reduce(0) { $0 + Int($1) } > 0, true)

    try FileManager.default.removeItem(at: refsPath)
    XCTAssertThrowsError(try RRSISD.dataset(root: folder, split: .train)) { error in
      XCTAssertEqual(error as? DataError, .layout(path: refsPath.path, problem: "RRSIS-D refs file not found (expected <root>/rrsisd/refs(unc).p)"))
    }
  }

  func testRefSegRSBadInput() throws {
    let folder = try DataFixtures.folder(self)
    try DataFixtures.mkdir(folder.appendingPathComponent("images"))
    try DataFixtures.mkdir(folder.appendingPathComponent("masks"))
    let image = RasterBuffer<UInt8>(width: 12, height: 10, bands: 3, filledWith: 90)
    for id in ["1", "2", "3"] { try GeoTIFFWriter.write(image, to: folder.appendingPathComponent("images/\(id).tif").path) }
    var mask = RasterBuffer<UInt8>(width: 12, height: 10, bands: 1, filledWith: 0)
    mask.values[5] = 51
    mask.values[6] = 50
    try GeoTIFFWriter.write(mask, to: folder.appendingPathComponent("masks/1.tif").path)
    try GeoTIFFWriter.write(
      RasterBuffer<UInt8>(width: 10, height: 10, bands: 1, filledWith: 0), to: folder.appendingPathComponent("masks/2.tif").path)
    try "1 the field\nnosentence\n2 the road\n3 the roof\n1 the green field\n".write(
      to: folder.appendingPathComponent("output_phrase_train.txt"), atomically: true, encoding: .utf8)
    let phrases = folder.appendingPathComponent("output_phrase_train.txt").path
    XCTAssertThrowsError(try RefSegRS.dataset(root: folder, split: .train)) { error in
      XCTAssertEqual(error as? DataError, .badSample(path: phrases, problem: "line 2 is not '<id> <sentence>'"))
    }
    let dataset = try RefSegRS.dataset(root: folder, split: .train, options: .init(size: nil, skipBad: true))
    XCTAssertEqual(dataset.objects.map(\.id), ["1"])
    XCTAssertEqual(dataset.objects[0].sentences, [.init(id: 0, text: "the field"), .init(id: 3, text: "the green field")])
    XCTAssertEqual(dataset.warnings, [
      "skipped: \(phrases): line 2 is not '<id> <sentence>'",
      "skipped: \(folder.path)/masks/2.tif: mask is 10×10 but its image \(folder.path)/images/2.tif is 12×10",
      "skipped: \(folder.path)/masks/3.tif: mask of RefSegRS sample 3 not found",
    ])
    let loaded = try dataset.loadOriginal(dataset.objects[0])
    XCTAssertEqual(loaded.mask.indices.filter { loaded.mask[$0] == 1 }, [5], "value > 50 is the target")
    XCTAssertThrowsError(try RefSegRS.dataset(root: folder, split: .val)) { error in
      XCTAssertEqual(error as? DataError, .layout(path: folder.appendingPathComponent("output_phrase_val.txt").path, problem: "RefSegRS phrase file not found (expected <root>/output_phrase_val.txt)"))
    }
  }
}
