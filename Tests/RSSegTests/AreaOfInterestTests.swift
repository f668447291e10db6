import CGDAL
import Foundation
import Raster
import Torch
import XCTest
@testable import RSSeg

/// `--aoi`: polygons from a vector file, reprojected to the scene, bound the work and the data.
final class AreaOfInterestTests: XCTestCase {
  /// The NAIP sample's georeferencing: UTM 14N, origin (485899, 5209246), 5 m pixels.
  private let (x0, y0, pixel) = (485899.0, 5209246.0, 5.0)

  private func geoJSON(_ rings: [[(Double, Double)]], crs: String?, type: String = "Polygon", in folder: URL) throws -> String {
    let coordinates = type == "Point"
      ? "[\(rings[0][0].0), \(rings[0][0].1)]"
      : "[" + rings.map { "[" + $0.map { "[\($0.0), \($0.1)]" }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
    let crsMember = crs.map { #""crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:\#($0)"}}, "# } ?? ""
    let text = #"{"type": "FeatureCollection", \#(crsMember)"features": [{"type": "Feature", "properties": {}, "geometry": {"type": "\#(type)", "coordinates": \#(coordinates)}}]}"#
    let path = folder.appendingPathComponent("aoi-\(UUID().uuidString).geojson").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// Pixel columns [0, columns) over the whole scene height, in UTM 14N coordinates.
  private func leftColumns(_ columns: Int) -> [(Double, Double)] {
    let x1 = x0 + Double(columns) * pixel, y1 = y0 - 723 * pixel
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
  }

  private var naip: RasterDataset { get throws { try RasterDataset(path: PredictFixtures.naip) } }

  func testPixelsOutsideThePolygonsAreMaskedAndDistantWindowsAreWhollyOutside() throws {
    let folder = try PredictFixtures.folder(self)
    let aoi = try AreaOfInterest(
      path: try geoJSON([leftColumns(60)], crs: "EPSG::32614", in: folder), scene: try naip.geoReference, scenePath: PredictFixtures.naip)
    let outside = try aoi.outside(PixelWindow(x: 40, y: 10, width: 50, height: 4))
    for row in 0..<4 {
      XCTAssertEqual(Array(outside[(row * 50)..<(row * 50 + 20)]), [Bool](repeating: false, count: 20), "columns 40..<60 are inside")
      XCTAssertEqual(Array(outside[(row * 50 + 20)..<(row * 50 + 50)]), [Bool](repeating: true, count: 30), "columns 60..<90 are outside")
    }
    XCTAssertEqual(try aoi.outside(PixelWindow(x: 500, y: 0, width: 64, height: 64)), [Bool](repeating: true, count: 64 * 64))
  }

  func testPolygonsInAnotherCRSAreReprojected() throws {
    // The same 60 columns given in longitude/latitude (GeoJSON's default CRS, WGS 84).
    let utm = OSRNewSpatialReference(nil), wgs84 = OSRNewSpatialReference(nil)
    defer { OSRDestroySpatialReference(utm); OSRDestroySpatialReference(wgs84) }
    OSRImportFromEPSG(utm, 32614)
    OSRImportFromEPSG(wgs84, 4326)
    OSRSetAxisMappingStrategy(utm, OAMS_TRADITIONAL_GIS_ORDER)
    OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER)
    let transform = try XCTUnwrap(OCTNewCoordinateTransformation(utm, wgs84))
    defer { OCTDestroyCoordinateTransformation(transform) }
    // Densified edges, so that the reprojected ring follows the straight UTM edges closely.
    let corners = leftColumns(60)
    var ring: [(Double, Double)] = []
    for (a, b) in zip(corners, corners.dropFirst()) {
      for t in stride(from: 0.0, to: 1.0, by: 0.05) { ring.append((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)) }
    }
    ring.append(corners[0])
    var xs = ring.map(\.0), ys = ring.map(\.1)
    XCTAssertEqual(OCTTransform(transform, Int32(ring.count), &xs, &ys, nil), 1)
    let folder = try PredictFixtures.folder(self)
    let aoi = try AreaOfInterest(
      path: try geoJSON([Array(zip(xs, ys))], crs: nil, in: folder), scene: try naip.geoReference, scenePath: PredictFixtures.naip)
    let outside = try aoi.outside(PixelWindow(x: 50, y: 300, width: 20, height: 1))
    XCTAssertEqual(Array(outside[0..<9]), [Bool](repeating: false, count: 9), "columns 50..<59 are inside")
    XCTAssertEqual(Array(outside[11..<20]), [Bool](repeating: true, count: 9), "columns 61..<70 are outside")
  }

  func testPredictionRunsOnlyTheWindowsTouchingTheAreaAndLeavesTheRestNodata() throws {
    final class CountingModel: SegmentationModel {
      let classCount = 2
      let sizeMultiple = 32
      var windows = 0
      func logits(_ x: Tensor) throws -> Tensor {
        windows += x.shape[0]
        return try x.narrow(dim: 1, start: 0, length: 2)
      }
    }
    let folder = try PredictFixtures.folder(self)
    let aoi = try AreaOfInterest(
      path: try geoJSON([leftColumns(60)], crs: "EPSG::32614", in: folder), scene: try naip.geoReference, scenePath: PredictFixtures.naip)
    let model = CountingModel()
    let predictor = try SlidingWindowPredictor(
      model: model, normalization: PredictFixtures.normalization, options: SlidingWindowOptions(tile: 128, overlap: 0))
    let scene = try SceneReader(dataset: naip, bands: [0, 1, 2], areaOfInterest: aoi)
    var nodataInside = 0, dataOutside = 0
    try predictor.predict(scene) { block in
      let mask = try XCTUnwrap(block.nodata)
      let width = block.logits.shape[2]
      for (i, isNodata) in mask.enumerated() where (block.x + i % width < 60) == isNodata {
        if isNodata { nodataInside += 1 } else { dataOutside += 1 }
      }
    }
    XCTAssertEqual(model.windows, 6, "only the first column of 128-pixel windows (6 rows of them) touches columns 0..<60")
    XCTAssertEqual(dataOutside, 0)
    XCTAssertLessThan(nodataInside, 2000, "inside, only the scene's own nodata pixels")
  }

  func testBadAreasAreRefusedWithTheirProblem() throws {
    let folder = try PredictFixtures.folder(self)
    let points = try geoJSON([[(x0, y0)]], crs: "EPSG::32614", type: "Point", in: folder)
    XCTAssertThrowsError(try AreaOfInterest(path: points, scene: try naip.geoReference, scenePath: "scene.tif")) {
      XCTAssertTrue("\($0)".contains("is a Point; an area of interest is made of polygons"), "\($0)")
      XCTAssertTrue("\($0)".contains(points), "\($0)")
    }
    let notVector = folder.appendingPathComponent("aoi.txt").path
    try "hello".write(toFile: notVector, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try AreaOfInterest(path: notVector, scene: try naip.geoReference, scenePath: "scene.tif")) {
      XCTAssertTrue("\($0)".contains("not a vector file GDAL can read"), "\($0)")
    }
    let polygon = try geoJSON([leftColumns(60)], crs: "EPSG::32614", in: folder)
    XCTAssertThrowsError(try AreaOfInterest(path: polygon, scene: nil, scenePath: "plain.png")) {
      XCTAssertTrue("\($0)".contains("plain.png: has no CRS or geotransform"), "\($0)")
    }
  }
}
