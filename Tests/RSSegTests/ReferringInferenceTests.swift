import Foundation
import GISInspection
import Raster
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// A pixelwise referring model: the sentence's sign (+1 when its first word id is even, −1 when
/// odd) times the normalised red band is the target logit, so "even" sentences select bright
/// pixels and "odd" ones dark pixels, whatever the window. Map l is sigmoid-able (l + 1)·logit.
final class SignReferringModel: ReferringModel {
  let mapCount: Int
  init(maps: Int = 0) { mapCount = maps }

  var sizeMultiple: Int { 8 }

  func encodeText(ids: Tensor, mask: Tensor) throws -> EncodedSentences {
    let odd = try ids[.all, 1].remainder(2).to(.float32)
    return EncodedSentences(words: try (1 - odd * 2).unsqueeze(1), mask: try mask.to(.float32))
  }

  func forward(_ images: Tensor, text: EncodedSentences) throws -> ReferringPrediction {
    XCTAssertEqual(images.shape[0], text.count, "one sentence per image")
    let target = try images[.all, 0..<1] * text.words[.all, .all, .newAxis, .newAxis]
    var maps: [Tensor] = []
    for l in 0..<mapCount {
      let kernel = SpatialSize(integerLiteral: 1 << (l + 1))
      maps.append(try Functional.avgPool2d(target * Double(l + 1), kernelSize: kernel))
    }
    return ReferringPrediction(logits: try Tensor.cat([Tensor.zerosLike(target), target], dim: 1), maps: maps)
  }
}

final class ReferringInferenceTests: XCTestCase {
  /// [CLS] w [SEP] with w = 2000 (even: bright) and 2001 (odd: dark).
  private let tokens = { () -> TextBatch in
    TextBatch(ids: try! Tensor([101, 2000, 102, 0, 101, 2001, 102, 0] as [Int64], shape: [2, 4]),
              mask: try! Tensor([1, 1, 1, 0, 1, 1, 1, 0] as [Int64], shape: [2, 4]))
  }()
  private let sentences = ["the bright field", "the dark water"]

  /// 150×100 georeferenced scene: red 200 for x < 60, else 40; a nodata (0) block at rows 0..<10,
  /// columns 100..<110.
  private func scene(in folder: URL) throws -> String {
    var pixels = RasterBuffer<UInt8>(width: 150, height: 100, bands: 3, filledWith: 90)
    for y in 0..<100 { for x in 0..<150 { pixels[0, y, x] = x < 60 ? 200 : 40 } }
    for b in 0..<3 { for y in 0..<10 { for x in 100..<110 { pixels[b, y, x] = 0 } } }
    let path = folder.appendingPathComponent("field.tif").path
    let geo = try RasterDataset(path: PredictFixtures.naip).geoReference
    try GeoTIFFWriter.write(pixels, to: path, options: GeoTIFFOptions(nodata: 0, geoReference: geo))
    return path
  }

  private func run(
    _ image: String, into folder: URL, maps: Int = 0, polygons: PolygonOptions? = nil, force: Bool = false
  ) throws -> ReferringWriter {
    let model = try ReferringWindowModel(model: SignReferringModel(maps: maps), tokens: tokens)
    let predictor = try SlidingWindowPredictor(
      model: model, normalization: PredictFixtures.normalization,
      options: SlidingWindowOptions(tile: 64, overlap: 16, batch: 2, heatmaps: maps > 0, blockImage: true))
    let scene = try SceneReader(dataset: RasterDataset(path: image), bands: [0, 1, 2])
    let outputs = try ReferringWriter(scene: scene, sentences: sentences, directory: folder.path, stem: "field", outputs: ReferringWriter.Outputs(heatmapLayers: maps, polygons: polygons), force: force)
    try predictor.predict(scene, emit: outputs.write)
    try outputs.finish()
    return outputs
  }

  private func values(_ path: String) throws -> RasterBuffer<UInt8> { try RasterDataset(path: path).read(UInt8.self) }

  func testMasksProbabilitiesOverlaysAndSummary() throws {
    let folder = try PredictFixtures.folder(self)
    let image = try scene(in: folder)
    let outputs = try run(image, into: folder)
    let names = outputs.files.all.map { ($0 as NSString).lastPathComponent }
    XCTAssertEqual(names, [
      "field_text1_probabilities.tif", "field_text1.png", "field_text1_overlay.png", "field_text1.tif.aux.xml", "field_text1.tif",
      "field_text2_probabilities.tif", "field_text2.png", "field_text2_overlay.png", "field_text2.tif.aux.xml", "field_text2.tif",
      "field_refer.json",
    ])
    XCTAssertEqual(
      outputs.files, ReferringWriter.files(directory: folder.path, stem: "field", sentences: sentences, outputs: ReferringWriter.Outputs()))
    for path in outputs.files.all { XCTAssertTrue(FileManager.default.fileExists(atPath: path), path) }

    let input = try RasterDataset(path: image)
    for (k, bright) in [(1, true), (2, false)] {
      let maskFile = try RasterDataset(path: folder.appendingPathComponent("field_text\(k).tif").path)
      XCTAssertEqual(maskFile.geoReference, input.geoReference)
      let mask = try maskFile.read(UInt8.self)
      let probability = try values(folder.appendingPathComponent("field_text\(k)_probabilities.tif").path)
      XCTAssertEqual(probability.bands, 1, "target probability only")
      for y in 0..<100 {
        for x in 0..<150 {
          let nodata = y < 10 && (100..<110).contains(x)
          let want: UInt8 = nodata ? 255 : ((x < 60) == bright ? 1 : 0)
          guard mask[0, y, x] == want else { return XCTFail("sentence \(k) at (\(x), \(y)): \(mask[0, y, x]) ≠ \(want)") }
          if !nodata { XCTAssertEqual(probability[0, y, x] > 127, want == 1) }
        }
      }
      let overlay = try values(folder.appendingPathComponent("field_text\(k)_overlay.png").path)
      XCTAssertEqual([overlay.width, overlay.height, overlay.bands], [150, 100, 3])
      XCTAssertTrue((0..<12).contains { y in (0..<150).contains { overlay[0, y, $0] == 255 } }, "caption written")
      let (background, target) = bright ? (140, 20) : (20, 140)
      XCTAssertEqual(overlay[1, 99, background], 90, "untinted background shows the image")
      XCTAssertEqual(overlay[1, 99, target], (90 + 40) / 2, "target blended with its colour")
    }
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: outputs.files.marker))) as! [String: Any]
    let entries = summary["sentences"] as! [[String: Any]]
    XCTAssertEqual(entries.map { $0["text"] as! String }, sentences)
    XCTAssertEqual(entries.map { $0["target_pixels"] as! Int }, [6000, 90 * 100 - 100])
    XCTAssertEqual(summary["width"] as? Int, 150)
  }

  /// Maps come per stage as (background, target) bands; a second run with the same text is
  /// identical; existing outputs are refused without force.
  func testMapsRepeatabilityAndExistingOutputs() throws {
    let folder = try PredictFixtures.folder(self)
    let image = try scene(in: folder)
    let first = try run(image, into: folder, maps: 2)
    let heatmaps = try values(folder.appendingPathComponent("field_text2_heatmaps.tif").path)
    XCTAssertEqual(heatmaps.bands, 4)
    // Sentence 2 (dark): stage-0 target map high on the dark side, background band its complement.
    XCTAssertEqual(heatmaps[1, 50, 120], 196, "sigmoid(1.21)·254")
    XCTAssertEqual(heatmaps[1, 50, 20], 32, "sigmoid(−1.92)·254")
    XCTAssertEqual(Int(heatmaps[0, 50, 120]) + Int(heatmaps[1, 50, 120]), 254, accuracy: 1)
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("field_text1_heatmaps.png").path))

    let before = try first.files.all.filter { $0.hasSuffix(".tif") }.map(values)
    XCTAssertThrowsError(try run(image, into: folder, maps: 2)) { error in
      XCTAssertTrue("\(error)".contains("exists"), "\(error)")
    }
    let second = try run(image, into: folder, maps: 2, force: true)
    XCTAssertEqual(try second.files.all.filter { $0.hasSuffix(".tif") }.map(values), before)
  }

  /// Each sentence's polygons are its target's regions: one rectangle on the bright side, one
  /// region with a nodata notch on the dark side; the background gets none.
  func testTargetPolygons() throws {
    let folder = try PredictFixtures.folder(self)
    let image = try scene(in: folder)
    let outputs = try run(image, into: folder, polygons: PolygonOptions(format: .geojson))
    XCTAssertTrue(outputs.files.all.contains(folder.appendingPathComponent("field_text2_polygons.geojson").path))
    let geo = try XCTUnwrap(RasterDataset(path: image).geoReference)
    let pixelArea = abs(geo.geoTransform[1] * geo.geoTransform[5])
    for (k, pixels) in [(1, 60 * 100), (2, 90 * 100 - 100)] {
      let polygons = try VectorInfo(path: folder.appendingPathComponent("field_text\(k)_polygons.geojson").path)
      XCTAssertEqual(polygons.features.count, 1, "sentence \(k)")
      XCTAssertEqual(polygons.features.first?.fields["class_name"], "target")
      XCTAssertEqual(polygons.features.first?.geometryArea ?? 0, Double(pixels) * pixelArea, accuracy: 1e-3)
      XCTAssertTrue(sameCRS(try XCTUnwrap(polygons.crsWKT), geo.crsWKT))
    }
  }
}
