import Foundation
import GISInspection
import Raster
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// Logits = the normalised pixel, so pure red, green and blue pixels are classes 0, 1 and 2
/// in every window alike: regions follow the colours exactly, whatever the windows.
final class ColourClassModel: SegmentationModel {
  let classCount = 3
  let sizeMultiple = 8
  func logits(_ x: Tensor) throws -> Tensor { x }
}

/// A scene's outputs as a GIS user would check them: polygons whole across window edges, class
/// names, band descriptions and COG layout, read through GDAL's own API.
final class PredictGISOutputsTests: XCTestCase {
  private let classes = SegmentationClasses(names: ["Building", "Road", "Water"], palette: [RGB(255, 0, 0), RGB(0, 255, 0), RGB(0, 0, 255)])

  /// 150×100 pixels (the NAIP sample's georeferencing, 5 m pixels): a red ring (x 10..<140,
  /// y 10..<90 less x 30..<120, y 30..<70), a green bar inside it (x 40..<110, y 45..<55), blue
  /// elsewhere: blue outside the ring and blue inside it are two regions.
  private func rings(in folder: URL) throws -> String {
    var pixels = RasterBuffer<UInt8>(width: 150, height: 100, bands: 3, filledWith: 0)
    for y in 0..<100 {
      for x in 0..<150 {
        let ring = (10..<140).contains(x) && (10..<90).contains(y) && !((30..<120).contains(x) && (30..<70).contains(y))
        let bar = (40..<110).contains(x) && (45..<55).contains(y)
        pixels[ring ? 0 : bar ? 1 : 2, y, x] = 255
      }
    }
    let path = folder.appendingPathComponent("rings.tif").path
    try GeoTIFFWriter.write(pixels, to: path, options: GeoTIFFOptions(geoReference: try RasterDataset(path: PredictFixtures.naip).geoReference))
    return path
  }

  private func predict(
    _ image: String, model: any SegmentationModel, classes: SegmentationClasses, options: PredictionOptions, tile: Int = 32,
    heatmaps: Bool = false, into folder: URL
  ) throws -> PredictionWriter {
    let scene = try SceneReader(dataset: RasterDataset(path: image), bands: [0, 1, 2])
    let writer = try PredictionWriter(scene: scene, classes: classes, directory: folder.path, stem: "scene", options: options)
    let predictor = try SlidingWindowPredictor(
      model: model, normalization: PredictFixtures.normalization, options: SlidingWindowOptions(tile: tile, overlap: 8, heatmaps: heatmaps))
    XCTAssertGreaterThan(predictor.windowCount(width: scene.width, height: scene.height), 12)
    try predictor.predict(scene, emit: writer.write)
    try writer.finish()
    return writer
  }

  /// 24 windows of 32 pixels, yet each region is one feature: the polygons come from the
  /// finished class map, and their areas are the class's pixels × 25 m².
  func testRegionsAcrossWindowEdgesAreOneFeatureEach() throws {
    let folder = try PredictFixtures.folder(self)
    let image = try rings(in: folder)
    var options = PredictionOptions()
    options.polygons = PolygonOptions(format: .gpkg)
    let writer = try predict(image, model: ColourClassModel(), classes: classes, options: options, into: folder)
    let path = try XCTUnwrap(writer.paths.polygons)
    XCTAssertEqual(writer.files.marker, path, "the polygons complete the scene")
    XCTAssertEqual((path as NSString).lastPathComponent, "scene_polygons.gpkg")

    let polygons = try VectorInfo(path: path)
    XCTAssertEqual(polygons.features.map { $0.fields["class_name"]! }.sorted(), ["Building", "Road", "Water", "Water"])
    let geo = try XCTUnwrap(RasterDataset(path: image).geoReference)
    XCTAssertTrue(sameCRS(try XCTUnwrap(polygons.crsWKT), geo.crsWKT))
    XCTAssertEqual(polygons.metadata["AREA_UNIT"], "metre²")
    let pixelArea = abs(geo.geoTransform[1] * geo.geoTransform[5])
    XCTAssertEqual(pixelArea, 25)
    let labels = try RasterDataset(path: writer.paths.classMap).read(UInt8.self).values
    for (id, pixels) in [6800, 700, 7500].enumerated() {
      XCTAssertEqual(labels.filter { $0 == UInt8(id) }.count, pixels)
      let area = polygons.features.filter { $0.fields["class_id"] == "\(id)" }.reduce(0) { $0 + Double($1.fields["area"]!)! }
      XCTAssertEqual(area, Double(pixels) * pixelArea, accuracy: 1e-6, classes.names[id])
    }
  }

  /// With --cog every GeoTIFF is a COG; the class map names its classes (categories and an
  /// attribute table), the probability and heatmap bands say what they hold.
  func testCloudOptimizedOutputsWithClassNamesAndBandDescriptions() throws {
    let folder = try PredictFixtures.folder(self)
    let image = try PredictFixtures.scene(width: 300, height: 200, in: folder)
    let classes = SegmentationClasses(names: ["a", "b", "c", "d"], palette: Array(repeating: RGB(1, 2, 3), count: 4))
    var options = PredictionOptions(probabilities: .float16, heatmapLayers: 2)
    options.cloudOptimized = true
    let writer = try predict(
      image, model: try PixelwiseHeatmapModel(), classes: classes, options: options, tile: 64, heatmaps: true, into: folder)
    let paths = writer.paths
    for path in [paths.classMap, paths.probabilities!, paths.heatmapRaster!] {
      XCTAssertEqual(try RasterInfo(path: path).imageStructure["LAYOUT"], "COG", path)
    }
    let classMap = try RasterInfo(path: paths.classMap)
    XCTAssertEqual(classMap.categoryNames, ["a", "b", "c", "d"])
    XCTAssertEqual(classMap.attributeTable?.rows.map { $0[1] }, ["a", "b", "c", "d"])
    XCTAssertEqual(classMap.overviewCount, 1, "300×200 with 256-pixel tiles")
    XCTAssertEqual(try RasterInfo(path: paths.probabilities!).bandDescriptions, ["p(a)", "p(b)", "p(c)", "p(d)"])
    XCTAssertEqual(
      try RasterInfo(path: paths.heatmapRaster!).bandDescriptions,
      ["layer 1 / a", "layer 1 / b", "layer 1 / c", "layer 1 / d", "layer 2 / a", "layer 2 / b", "layer 2 / c", "layer 2 / d"])
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("scene") }.sorted()
    XCTAssertEqual(names, [
      "scene-300x200.tif", "scene.png", "scene.tif", "scene.tif.aux.xml", "scene_heatmaps.png", "scene_heatmaps.tif",
      "scene_probabilities.tif",
    ])
  }
}
