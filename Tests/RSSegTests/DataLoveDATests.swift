import Foundation
import Raster
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class DataLoveDATests: XCTestCase {
  private func options(_ src: URL, _ out: URL) -> PrepareOptions {
    var o = PrepareOptions(source: src, output: out)
    o.showProgress = false
    return o
  }

  func testPrepareConvertsMasksAndIsResumable() throws {
    let root = try DataFixtures.folder(self)
    let src = root.appendingPathComponent("LoveDA"), out = root.appendingPathComponent("prepared")
    let counts = try DataFixtures.loveDA(at: src)
    let report = try LoveDAPreparer.run(options(src, out))
    XCTAssertEqual(report.written["Train/Urban/masks_png_convert"], 2)
    XCTAssertEqual(report.written["Val/Rural/images_png"], 2)
    XCTAssertNil(report.written["Test/Urban/masks_png_convert"])
    XCTAssertEqual(report.written["Test/Rural/images_png"], 2)
    XCTAssertEqual(report.written.values.reduce(0, +), 8 + 12)
    XCTAssertTrue(report.bad.isEmpty && report.unknownLabels.isEmpty)
    for (folder, n) in counts {
      XCTAssertEqual(DataFixtures.files(out.appendingPathComponent("\(folder)/images_png"), ext: "png").count, n)
    }

    // Converted values: raw 0 → 7, raw k → k − 1; and the prepared dataset reads like the raw one.
    let prepared = try LoveDA.dataset(root: out, split: .train, prepared: true)
    let raw = try LoveDA.dataset(root: src, split: .train, prepared: false)
    XCTAssertEqual(prepared.count, 4)
    for i in 0..<prepared.count {
      let p = try prepared.load(i), r = try raw.load(i)
      XCTAssertEqual(p, r)
      XCTAssertEqual(p.width, 40)
      for y in 0..<30 {
        for x in 0..<40 {
          let m = Int(p.mask[y * 40 + x])
          if y == 0 { XCTAssertEqual(m, 7) } else { XCTAssertEqual(Int(p.image[y * 40 + x]), 10 * m + 5) }
        }
      }
    }
    let test = try LoveDA.dataset(root: out, split: .test, prepared: true)
    XCTAssertEqual(test.count, 4)
    XCTAssertNil(test.samples[0].maskPath)
    XCTAssertEqual(Set(try test.load(0).mask), [7])

    // A second run writes nothing; a deleted output is redone.
    let again = try LoveDAPreparer.run(options(src, out))
    XCTAssertTrue(again.written.isEmpty)
    XCTAssertEqual(again.alreadyDone, 12)
    try FileManager.default.removeItem(at: out.appendingPathComponent("Val/Urban/masks_png_convert/100030.png"))
    let third = try LoveDAPreparer.run(options(src, out), splits: [.val])
    XCTAssertEqual(third.written, ["Val/Urban/masks_png_convert": 1, "Val/Urban/images_png": 1])
    XCTAssertFalse(DataFixtures.allFiles(out).contains { $0.contains("partial") })
  }

  func testRefusesToWriteIntoSource() throws {
    let root = try DataFixtures.folder(self)
    _ = try DataFixtures.loveDA(at: root, perFolder: 1)
    for out in [root, root.appendingPathComponent("Train/out")] {
      XCTAssertThrowsError(try LoveDAPreparer.run(options(root, out))) {
        XCTAssertTrue("\($0)".contains("refusing to write into the source"), "\($0)")
      }
    }
  }

  func testMisnamedAndEmptyFolders() throws {
    let root = try DataFixtures.folder(self)
    let src = root.appendingPathComponent("src")
    _ = try DataFixtures.loveDA(at: src, perFolder: 1)
    try FileManager.default.moveItem(at: src.appendingPathComponent("Val/Rural"), to: src.appendingPathComponent("Val/rural"))
    XCTAssertThrowsError(try LoveDAPreparer.run(options(src, root.appendingPathComponent("o")), splits: [.val])) {
      XCTAssertEqual(($0 as? DataError)?.path, src.appendingPathComponent("Val/Rural/images_png").path)
      XCTAssertTrue("\($0)".contains("folder not found"), "\($0)")
    }
    let empty = src.appendingPathComponent("Train/Urban/images_png")
    for f in DataFixtures.files(empty, ext: "png") { try FileManager.default.removeItem(at: empty.appendingPathComponent(f)) }
    XCTAssertThrowsError(try LoveDAPreparer.run(options(src, root.appendingPathComponent("o")), splits: [.train])) {
      XCTAssertEqual(($0 as? DataError)?.path, empty.path)
      XCTAssertTrue("\($0)".contains("no png files"), "\($0)")
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("o").path))
  }

  /// Each bad-input case stops the run with an error naming the file; with skipBad they are
  /// listed and the good samples are written, nothing half-written is left.
  func testBadSamples() throws {
    let root = try DataFixtures.folder(self)
    let src = root.appendingPathComponent("src")
    _ = try DataFixtures.loveDA(at: src, perFolder: 6)
    let dir = src.appendingPathComponent("Train/Urban")
    func image(_ i: Int) -> URL { dir.appendingPathComponent("images_png/10005\(i).png") }
    func mask(_ i: Int) -> URL { dir.appendingPathComponent("masks_png/10005\(i).png") }
    // 0: truncated image; 1: mask of another size; 2: unknown mask value; 3: 4-band image; 4: missing mask.
    let bytes = try Data(contentsOf: image(0))
    try bytes.prefix(bytes.count / 2).write(to: image(0))
    try PNGWriter.write(RasterBuffer<UInt8>(width: 20, height: 30, bands: 1, filledWith: 1), to: mask(1).path)
    var odd = RasterBuffer<UInt8>(width: 40, height: 30, bands: 1, filledWith: 3)
    odd[0, 4, 4] = 9
    try PNGWriter.write(odd, to: mask(2).path)
    try PNGWriter.write(RasterBuffer<UInt8>(width: 40, height: 30, bands: 4, filledWith: 9), to: image(3).path)

    let expected: [(URL, String)] = [
      (image(0), "cannot"), (mask(1), "mask is 20×30 but its image"), (mask(2), "unknown label value 9 (1 px)"),
      (image(3), "image has 4 band(s), expected 3"),
    ]
    for (i, (file, problem)) in expected.enumerated() {
      let one = root.appendingPathComponent("one\(i)")
      try FileManager.default.createDirectory(at: one.appendingPathComponent("Train/Urban/images_png"), withIntermediateDirectories: true)
      try FileManager.default.createDirectory(at: one.appendingPathComponent("Train/Urban/masks_png"), withIntermediateDirectories: true)
      try FileManager.default.copyItem(at: image(i), to: one.appendingPathComponent("Train/Urban/images_png/x.png"))
      try FileManager.default.copyItem(at: mask(i), to: one.appendingPathComponent("Train/Urban/masks_png/x.png"))
      let good = src.appendingPathComponent("Train/Rural")
      try FileManager.default.copyItem(at: good, to: one.appendingPathComponent("Train/Rural"))
      let copied = file.path.contains("images_png") ? "Train/Urban/images_png/x.png" : "Train/Urban/masks_png/x.png"
      XCTAssertThrowsError(try LoveDAPreparer.run(options(one, root.appendingPathComponent("out\(i)")), splits: [.train])) {
        XCTAssertEqual(($0 as? DataError)?.path, one.appendingPathComponent(copied).path, "\($0)")
        XCTAssertTrue("\($0)".contains(problem), "\($0)")
      }
    }
    try FileManager.default.removeItem(at: mask(4))
    XCTAssertThrowsError(try LoveDAPreparer.run(options(src, root.appendingPathComponent("x")), splits: [.train])) {
      XCTAssertEqual("\($0)", "\(mask(4).path): mask of \(image(4).path) not found")
    }
    try PNGWriter.write(RasterBuffer<UInt8>(width: 40, height: 30, bands: 1, filledWith: 2), to: mask(4).path)

    var skipping = options(src, root.appendingPathComponent("out"))
    skipping.skipBad = true
    let report = try LoveDAPreparer.run(skipping, splits: [.train])
    XCTAssertEqual(report.bad.map(\.path).sorted(), [image(0).path, image(3).path, mask(1).path, mask(2).path].sorted())
    XCTAssertEqual(report.unknownLabels.map(\.label), [UnknownLabel(label: "9", pixels: 1)])
    XCTAssertTrue(report.summary.contains("4 bad sample(s) skipped"), report.summary)
    XCTAssertTrue(report.summary.contains("9: 1 px"), report.summary)
    XCTAssertEqual(report.written["Train/Urban/masks_png_convert"], 2)
    XCTAssertEqual(report.written["Train/Rural/masks_png_convert"], 6)
    let written = DataFixtures.allFiles(root.appendingPathComponent("out"))
    XCTAssertEqual(written.filter { $0.hasSuffix(".png") }.count, 16)
    XCTAssertFalse(written.contains { $0.contains("partial") })
    XCTAssertEqual(try LoveDA.dataset(root: root.appendingPathComponent("out"), split: .train, prepared: true).count, 8)

    // Unknown values mapped to ignore instead.
    var lenient = skipping
    lenient.unknownAsIgnore = true
    lenient.output = root.appendingPathComponent("lenient")
    let r2 = try LoveDAPreparer.run(lenient, splits: [.train])
    XCTAssertEqual(r2.bad.count, 3)
    XCTAssertEqual(r2.unknownLabels.count, 1)
    let converted = try RasterDataset(path: lenient.output.appendingPathComponent("Train/Urban/masks_png_convert/100052.png").path).read(UInt8.self)
    XCTAssertEqual(converted[0, 4, 4], 7)
    XCTAssertEqual(converted[0, 4, 5], 2)
  }
}
