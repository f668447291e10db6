import Foundation
import Raster
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// Outputs of a prediction over the real NAIP sample (RGBN, nodata 0, UTM 14N).
final class PredictOutputsTests: XCTestCase {
  /// The NAIP sample with a nodata (0) block in every band and a pixel that is 0 in one band only
  /// (the sample itself has no nodata pixels).
  private func naipWithNodata(in folder: URL) throws -> String {
    let input = try RasterDataset(path: PredictFixtures.naip)
    var pixels = try input.read(UInt8.self)
    for b in 0..<pixels.bands {
      for y in 100..<180 { for x in 600..<700 { pixels[b, y, x] = 0 } }
    }
    pixels[1, 10, 10] = 0
    let path = folder.appendingPathComponent("naip_nodata.tif").path
    try GeoTIFFWriter.write(pixels, to: path, options: GeoTIFFOptions(nodata: 0, geoReference: input.geoReference))
    return path
  }

  private func predict(
    _ image: String? = nil, into folder: URL, stem: String = "naip", options: PredictionOptions, blendBufferBytes: Int = 64 << 20
  ) throws -> (SceneReader, PredictionWriter) {
    let scene = try SceneReader(dataset: RasterDataset(path: image ?? PredictFixtures.naip), bands: [0, 1, 2])
    let classes = SegmentationClasses(names: ["a", "b", "c", "d"], palette: [RGB(255, 0, 0), RGB(0, 255, 0), RGB(0, 0, 255), RGB(9, 9, 9)])
    let outputs = try PredictionWriter(scene: scene, classes: classes, directory: folder.path, stem: stem, options: options)
    var windows = SlidingWindowOptions(tile: 256, overlap: 64, batch: 2, blockImage: options.overlay)
    windows.blendBufferBytes = blendBufferBytes
    let predictor = try SlidingWindowPredictor(model: PixelwiseModel(), normalization: PredictFixtures.normalization, options: windows)
    try predictor.predict(scene, emit: outputs.write)
    try outputs.finish()
    return (scene, outputs)
  }

  func testClassMapKeepsGeoreferenceAndNodata() throws {
    let folder = try PredictFixtures.folder(self)
    let image = try naipWithNodata(in: folder)
    let (scene, outputs) = try predict(image, into: folder, options: PredictionOptions(probabilities: .uint8, overlay: true))
    for path in outputs.files.all { XCTAssertTrue(FileManager.default.fileExists(atPath: path), path) }

    let input = scene.dataset
    XCTAssertEqual(input.geoReference, try RasterDataset(path: PredictFixtures.naip).geoReference)
    let output = try RasterDataset(path: outputs.paths.classMap)
    XCTAssertEqual(output.width, input.width)
    XCTAssertEqual(output.height, input.height)
    XCTAssertEqual(output.dataTypes, [.uint8])
    XCTAssertEqual(output.nodata, [255])
    XCTAssertNotNil(input.geoReference)
    XCTAssertEqual(output.geoReference?.geoTransform, input.geoReference?.geoTransform)
    XCTAssertEqual(output.geoReference?.crsWKT, input.geoReference?.crsWKT)
    XCTAssertEqual(try output.colorTable()?.entries.first, ColorTable.Entry(255, 0, 0))

    let labels = try output.read(UInt8.self).values
    let pixels = try input.read(UInt8.self, bands: [0, 1, 2]).values
    let plane = input.width * input.height
    var nodataCount = 0
    for i in 0..<plane {
      let isNodata = pixels[i] == 0 && pixels[plane + i] == 0 && pixels[2 * plane + i] == 0
      nodataCount += isNodata ? 1 : 0
      if isNodata { XCTAssertEqual(labels[i], 255) } else { XCTAssertLessThan(labels[i], 4) }
    }
    XCTAssertEqual(nodataCount, 80 * 100)
    XCTAssertLessThan(labels[10 * input.width + 10], 4)

    let probabilities = try RasterDataset(path: outputs.paths.probabilities!)
    XCTAssertEqual(probabilities.bandCount, 4)
    XCTAssertEqual(probabilities.geoReference, input.geoReference)
    let probability = try probabilities.read(UInt8.self, window: PixelWindow(x: 650, y: 150, width: 1, height: 1)).values
    XCTAssertEqual(probability, [255, 255, 255, 255])
    let sums = try probabilities.read(UInt8.self, window: PixelWindow(x: 5, y: 5, width: 1, height: 1)).values
    XCTAssertEqual(Double(sums.reduce(0) { $0 + Int($1) }), 254, accuracy: 2)
  }

  /// Cut into bands of one window column each, the scene's files are the same, previews included.
  func testOutputsDoNotDependOnTheColumnBands() throws {
    let folder = try PredictFixtures.folder(self)
    let image = try naipWithNodata(in: folder)
    var options = PredictionOptions(probabilities: .uint8, overlay: true)
    options.previewMaxSide = 333  // a preview step that does not divide the bands' widths
    let (scene, whole) = try predict(image, into: folder, stem: "whole", options: options)
    let (_, banded) = try predict(image, into: folder, stem: "banded", options: options, blendBufferBytes: 4 * 4 * 256 * 256)
    XCTAssertGreaterThan(scene.width, 3 * 256)
    // Sums in another order may move a probability across a rounding step (×254), nothing else.
    for (a, b) in zip(whole.files.all, banded.files.all) {
      if b.hasSuffix(".aux.xml") {
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)), b)
        continue
      }
      let (x, y) = (try RasterDataset(path: a).read(UInt8.self).values, try RasterDataset(path: b).read(UInt8.self).values)
      XCTAssertEqual(x.count, y.count, b)
      let largest = zip(x, y).map { abs(Int($0) - Int($1)) }.max() ?? 0
      XCTAssertLessThanOrEqual(largest, b.hasSuffix("_probabilities.tif") ? 1 : 0, b)
    }
  }

  func testHeatmapsAreBlendedAndWritten() throws {
    let folder = try PredictFixtures.folder(self)
    let scene = try SceneReader(dataset: RasterDataset(path: PredictFixtures.scene(width: 70, height: 50, in: folder)), bands: [0, 1, 2])
    let classes = SegmentationClasses(names: ["a", "b", "c", "d"], palette: Array(repeating: RGB(1, 2, 3), count: 4))
    let options = PredictionOptions(heatmapLayers: 2)
    let outputs = try PredictionWriter(scene: scene, classes: classes, directory: folder.path, stem: "h", options: options)
    let predictor = try SlidingWindowPredictor(
      model: PixelwiseHeatmapModel(), normalization: PredictFixtures.normalization,
      options: SlidingWindowOptions(tile: 32, overlap: 8, heatmaps: true))
    XCTAssertEqual(predictor.channelCount, 12)
    try predictor.predict(scene, emit: outputs.write)
    try outputs.finish()
    let heatmaps = try RasterDataset(path: folder.appendingPathComponent("h_heatmaps.tif").path)
    XCTAssertEqual(heatmaps.bandCount, 8)
    // Layer l of the fake model is constant (l + 1) / 4 everywhere; 0.25 × 254 = 63.5 is a
    // rounding tie, so the blend's last-bit error decides between 63 and 64.
    XCTAssertTrue(Set(try heatmaps.read(UInt8.self, bands: [0]).values).isSubset(of: [63, 64]))
    XCTAssertEqual(Set(try heatmaps.read(UInt8.self, bands: [7]).values), [127])
    // The sheet: "layer l" labels, class names over 4 columns of 70×50 panels, a colour scale.
    let sheet = try RasterDataset(path: folder.appendingPathComponent("h_heatmaps.png").path)
    let labels = BitmapFont.width(of: "layer 2") + BitmapFont.advance
    XCTAssertEqual([sheet.width, sheet.height, sheet.bandCount], [6 + labels + 4 * 70 + 3 * 4 + 6, 6 + 11 + 2 * (50 + 4) + 8 + 2 + 9 + 6, 3])
    let pixels = try sheet.read(UInt8.self)
    let (panelX, panelY) = (6 + labels + 10, 6 + 11 + 10)
    let layer1 = [pixels[0, panelY, panelX], pixels[1, panelY, panelX], pixels[2, panelY, panelX]]
    let viridis = ColorMap.viridis[64]
    XCTAssertTrue([63, 64].contains { v in ColorMap.viridis[v] == (layer1[0], layer1[1], layer1[2]) }, "layer 1 is 0.25 in viridis: \(layer1) vs \(viridis)")
    let ink = (0..<7).reduce(0) { n, y in n + (6..<(6 + labels - BitmapFont.advance)).filter { pixels[0, panelY - 10 + 21 + y, $0] == 0 }.count }
    XCTAssertGreaterThan(ink, 10, "row label written")
  }

  func testExistingOutputsNeedForce() throws {
    let folder = try PredictFixtures.folder(self)
    _ = try predict(into: folder, options: PredictionOptions())
    XCTAssertThrowsError(try predict(into: folder, options: PredictionOptions())) { error in
      XCTAssertEqual(error as? InferenceError, .outputExists(path: folder.appendingPathComponent("naip.tif").path))
    }
    XCTAssertNoThrow(try predict(into: folder, options: PredictionOptions(force: true)))
  }
}

/// `PixelwiseModel` with L = 2 constant heatmap layers: layer l is (l + 1) / 4.
final class PixelwiseHeatmapModel: HeatmapSegmentationModel {
  let base: PixelwiseModel
  var classCount: Int { base.classCount }
  var sizeMultiple: Int { base.sizeMultiple }
  let heatmapLayerCount = 2

  init() throws { base = try PixelwiseModel() }

  func logits(_ x: Tensor) throws -> Tensor { try base.logits(x) }

  func logitsWithHeatmaps(_ x: Tensor) throws -> Tensor {
    let logits = try base.logits(x)
    let layers = try (0..<heatmapLayerCount).map { l in try Tensor.fullLike(logits, .float(Double(l + 1) / 4)) }
    return try Tensor.cat([logits] + layers, dim: 1)
  }
}
