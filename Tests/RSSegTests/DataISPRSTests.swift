import Foundation
import Raster
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class DataISPRSTests: XCTestCase {
  private let ignore: UInt8 = 6

  private func options(_ src: URL, _ out: URL) -> PrepareOptions {
    var o = PrepareOptions(source: src, output: out)
    o.showProgress = false
    o.patchSize = 64
    return o
  }

  /// A class pattern without cars.
  private let noCars = { (x: Int, y: Int) -> Int in
    let c = DataFixtures.classAt(x, y, classes: 6)
    return c == 4 ? 0 : c
  }

  private func load(_ dir: URL, _ name: String) throws -> LabeledImage {
    let ds = SegmentationDataset(
      samples: [SegmentationSample(name: name, imagePath: dir.appendingPathComponent("images_64/\(name).tif").path,
        maskPath: dir.appendingPathComponent("masks_64/\(name).png").path)],
      classes: .isprs, encoding: .indices(.isprs))
    return try ds.load(0)
  }

  /// Checks a patch cut at (`ox`, `oy`) from a `w` × `h` tile (after flipping as `variant` says):
  /// labels and pixels agree, padding is black with ignore labels.
  private func checkPatch(_ p: LabeledImage, ox: Int, oy: Int, w: Int, h: Int, variant: String, border: Int = 0,
                          file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(p.width, 64, file: file, line: line)
    var mismatches = 0
    for y in 0..<64 {
      for x in 0..<64 {
        let X = ox + x, Y = oy + y
        let m = p.mask[y * 64 + x]
        let (r, g, b) = (p.image[y * 64 + x], p.image[4096 + y * 64 + x], p.image[8192 + y * 64 + x])
        if X >= w || Y >= h {
          if m != ignore || r != 0 || g != 0 || b != 0 { mismatches += 1 }
          continue
        }
        let sx = variant == "h" ? w - 1 - X : X, sy = variant == "v" ? h - 1 - Y : Y
        if Int(g) != sx % 256 || Int(b) != sy % 256 { mismatches += 1 }
        if sx < border || sy < border {
          if m != ignore { mismatches += 1 }
        } else if Int(r) != 10 * Int(m) + 5 {
          mismatches += 1
        }
      }
    }
    XCTAssertEqual(mismatches, 0, file: file, line: line)
  }

  func testVaihingenPatchesPaddingFlipsAndCars() throws {
    let root = try DataFixtures.folder(self)
    let src = root.appendingPathComponent("vaihingen"), out = root.appendingPathComponent("prepared")
    try DataFixtures.isprs(.vaihingen, at: src, width: 150, height: 110, tiles: ["1": noCars, "2": noCars])
    try DataFixtures.isprs(.vaihingen, at: src, width: 128, height: 128, tiles: ["3": { _, _ in 4 }])
    let report = try ISPRSPreparer.run(.vaihingen, options(src, out))
    // Tile 1: padded to 192×128, stride 32 → 5×3 windows × 3 copies; tile 3 (all cars): 3×3 × 3
    // copies, each replaced by 4 car crops; test tile 2: stride 64 → 3×2.
    XCTAssertEqual(report.written, ["train/images_64": 45 + 108, "train/masks_64": 45 + 108, "test/images_64": 6, "test/masks_64": 6])
    let train = out.appendingPathComponent("train"), test = out.appendingPathComponent("test")
    XCTAssertEqual(DataFixtures.files(train.appendingPathComponent("images_64"), ext: "tif").count, 153)
    XCTAssertEqual(DataFixtures.files(train.appendingPathComponent("masks_64"), ext: "png").count, 153)
    XCTAssertEqual(DataFixtures.files(test.appendingPathComponent("images_64"), ext: "tif").count, 6)

    for (variant, row, col) in [("o", 0, 0), ("o", 2, 4), ("o", 1, 3), ("h", 2, 4), ("v", 0, 1), ("v", 2, 2)] {
      let p = try load(train, "area1_\(variant)_\(row)_\(col)")
      checkPatch(p, ox: col * 32, oy: row * 32, w: 150, h: 110, variant: variant)
    }
    for (row, col) in [(0, 0), (1, 2)] {
      checkPatch(try load(test, "area2_o_\(row)_\(col)"), ox: col * 64, oy: row * 64, w: 150, h: 110, variant: "o", border: 3)
    }
    let car = try load(train, "area3_h_1_2_car3")
    XCTAssertEqual(Set(car.mask), [4])
    XCTAssertEqual(Set(car.image.prefix(4096)), [45])
    XCTAssertFalse(FileManager.default.fileExists(atPath: train.appendingPathComponent("images_64/area3_o_0_0.tif").path))

    let dataset = try ISPRS.patchDataset(root: out, split: .train, patchSize: 64)
    XCTAssertEqual(dataset.count, 153)
    XCTAssertEqual(dataset.samples[0].name, "area1_h_0_0")

    // The loader over the patches: training crops keep pixels and labels aligned.
    var augmentation = TrainAugmentation(cropSize: 48)
    augmentation.scales = [1]
    augmentation.normalization = Normalization(mean: [0], std: [1 / 255])
    let loader = try DataLoader(dataset: dataset, transform: augmentation, options: LoaderOptions(batchSize: 4, seed: 1))
    XCTAssertEqual(loader.batchesPerEpoch, 38)
    let epoch = loader.epoch(0)
    for _ in 0..<3 {
      let batch = try XCTUnwrap(try epoch.next())
      XCTAssertEqual(batch.images.shape, [4, 3, 48, 48])
      XCTAssertEqual(batch.labels.shape, [4, 48, 48])
      let images = try batch.images.scalars(as: Float.self), labels = try batch.labels.scalars(as: Int64.self)
      XCTAssertTrue(labels.allSatisfy { (0...6).contains($0) })
      for b in 0..<4 {
        for i in 0..<(48 * 48) {
          let label = labels[b * 2304 + i], red = images[b * 3 * 2304 + i]
          XCTAssertEqual(red, label == 6 ? 0 : Float(10 * label + 5), accuracy: 1e-3)
        }
      }
    }

    // Resumable: finished tiles are skipped; a tile whose marker is gone is redone identically.
    let before = try Data(contentsOf: train.appendingPathComponent("masks_64/area1_v_2_2.png"))
    try FileManager.default.removeItem(at: train.appendingPathComponent(".prepared/area1.txt"))
    let again = try ISPRSPreparer.run(.vaihingen, options(src, out))
    XCTAssertEqual(again.alreadyDone, 2)
    XCTAssertEqual(again.written["train/masks_64"], 45)
    XCTAssertEqual(try Data(contentsOf: train.appendingPathComponent("masks_64/area1_v_2_2.png")), before)
    XCTAssertFalse(DataFixtures.allFiles(out).contains { $0.contains("partial") })
  }

  func testPotsdamSplitsDropAndBandCount() throws {
    let root = try DataFixtures.folder(self)
    let src = root.appendingPathComponent("potsdam"), out = root.appendingPathComponent("prepared")
    try DataFixtures.isprs(.potsdam, at: src, width: 150, height: 110, tiles: ["2_10": noCars, "7_10": noCars, "2_13": noCars])
    // An image without a label is not a training tile.
    try GeoTIFFWriter.write(DataFixtures.image(width: 30, height: 30, classes: 6, classAt: noCars),
                            to: src.appendingPathComponent("2_Ortho_RGB/top_potsdam_3_10_RGB.tif").path)
    let report = try ISPRSPreparer.run(.potsdam, options(src, out), splits: [.train])
    XCTAssertEqual(report.written, ["train/images_64": 18, "train/masks_64": 18])
    checkPatch(try load(out.appendingPathComponent("train"), "2_10_o_1_2"), ox: 128, oy: 64, w: 150, h: 110, variant: "o")
    let test = try ISPRSPreparer.run(.potsdam, options(src, out), splits: [.test])
    XCTAssertEqual(test.written["test/masks_64"], 6)

    // A 4-band (RGBIR) image is a bad sample.
    try GeoTIFFWriter.write(RasterBuffer<UInt8>(width: 150, height: 110, bands: 4, filledWith: 1),
                            to: src.appendingPathComponent("2_Ortho_RGB/top_potsdam_2_10_RGB.tif").path)
    XCTAssertThrowsError(try ISPRSPreparer.run(.potsdam, options(src, root.appendingPathComponent("o2")), splits: [.train])) {
      XCTAssertEqual("\($0)", "\(src.path)/2_Ortho_RGB/top_potsdam_2_10_RGB.tif: image has 4 band(s), expected 3")
    }
  }

  func testUnknownColoursAndMisnamedFolders() throws {
    let root = try DataFixtures.folder(self)
    let src = root.appendingPathComponent("v")
    try DataFixtures.isprs(.vaihingen, at: src, width: 70, height: 70, tiles: ["1": noCars, "3": noCars])
    let labelPath = src.appendingPathComponent("\(ISPRS.Site.vaihingen.labelFolders[0])/top_mosaic_09cm_area3.tif").path
    var label = DataFixtures.rgbLabel(width: 70, height: 70, classAt: noCars)
    for x in 0..<5 { label[0, 10, x] = 17; label[1, 10, x] = 0; label[2, 10, x] = 0 }
    try GeoTIFFWriter.write(label, to: labelPath)

    XCTAssertThrowsError(try ISPRSPreparer.run(.vaihingen, options(src, root.appendingPathComponent("a")), splits: [.test])) {
      XCTAssertTrue("\($0)".hasSuffix("no test tiles with labels in \(src.path)/ISPRS_semantic_labeling_Vaihingen_ground_truth_eroded_COMPLETE"), "\($0)")
    }
    XCTAssertThrowsError(try ISPRSPreparer.run(.vaihingen, options(src, root.appendingPathComponent("a")), splits: [.train])) {
      XCTAssertEqual("\($0)", "\(labelPath): unknown label value (17,0,0) (5 px)")
    }
    var skip = options(src, root.appendingPathComponent("b"))
    skip.skipBad = true
    let report = try ISPRSPreparer.run(.vaihingen, skip, splits: [.train])
    XCTAssertEqual(report.bad.map(\.path), [labelPath])
    XCTAssertTrue(report.summary.contains("(17,0,0): 5 px"), report.summary)
    XCTAssertEqual(report.written["train/images_64"], 9 * 3)

    // An image of another size than its label.
    try GeoTIFFWriter.write(DataFixtures.image(width: 60, height: 70, classes: 6, classAt: noCars),
                            to: src.appendingPathComponent("ISPRS_semantic_labeling_Vaihingen/top/top_mosaic_09cm_area1.tif").path)
    XCTAssertThrowsError(try ISPRSPreparer.run(.vaihingen, options(src, root.appendingPathComponent("c")), splits: [.train])) {
      XCTAssertTrue("\($0)".contains("top_mosaic_09cm_area1.tif: mask is 70×70 but its image"), "\($0)")
    }

    try FileManager.default.moveItem(at: src.appendingPathComponent("ISPRS_semantic_labeling_Vaihingen/top"),
                                     to: src.appendingPathComponent("ISPRS_semantic_labeling_Vaihingen/images"))
    XCTAssertThrowsError(try ISPRSPreparer.run(.vaihingen, options(src, root.appendingPathComponent("d")))) {
      XCTAssertEqual("\($0)", "\(src.path): no folder named top here or one level down (expected vaihingen images)")
    }
  }
}
