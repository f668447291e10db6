import Foundation
import GISInspection
import XCTest
@testable import Raster

/// Polygons of a class map as ogrinfo shows them: one feature per connected region, its class
/// and area, the raster's CRS on the layer, nothing for nodata or ignored classes.
final class ClassPolygonsTests: XCTestCase {
  private let names = ["Land", "Building", "Road"]
  /// 5-metre pixels in UTM 14N (the NAIP sample's CRS).
  private var geo: GeoReference {
    get throws { GeoReference(geoTransform: [500_000, 5, 0, 5_200_000, 0, -5], crsWKT: try XCTUnwrap(RasterDataset(path: naipScenes[1]).geoReference).crsWKT) }
  }

  /// 40×30 pixels of Land (class 0) holding a 10×15 Building rectangle, a one-pixel Building
  /// speck, two 5×5 Road squares and a 3×5 nodata block in a corner.
  private func classMap() -> RasterBuffer<UInt8> {
    var buffer = RasterBuffer<UInt8>(width: 40, height: 30, bands: 1, filledWith: 0)
    func fill(_ xs: Range<Int>, _ ys: Range<Int>, _ value: UInt8) { for y in ys { for x in xs { buffer[0, y, x] = value } } }
    fill(5..<15, 5..<20, 1)
    fill(38..<39, 28..<29, 1)
    fill(20..<25, 2..<7, 2)
    fill(30..<35, 20..<25, 2)
    fill(0..<3, 25..<30, 255)
    return buffer
  }

  private func write(_ options: PolygonOptions, georeferenced: Bool = true, in folder: URL) throws -> (path: String, count: Int) {
    let raster = folder.appendingPathComponent("classes.tif").path
    try GeoTIFFWriter.write(classMap(), to: raster, options: GeoTIFFOptions(nodata: 255, geoReference: georeferenced ? try geo : nil))
    let path = folder.appendingPathComponent("classes_polygons.\(options.format.fileExtension)").path
    let count = try ClassPolygons.write(classRaster: raster, classNames: names, to: path, options: options)
    return (path, count)
  }

  func testOneFeaturePerRegionWithClassAndArea() throws {
    let folder = try temporaryFolder(self)
    let (path, count) = try write(PolygonOptions(format: .gpkg), in: folder)
    let info = try VectorInfo(path: path)
    XCTAssertEqual(info.driver, "GPKG")
    XCTAssertEqual(info.layerName, "classes_polygons")
    XCTAssertEqual(info.fieldNames, ["class_id", "class_name", "area"])
    XCTAssertEqual(info.fieldTypes, ["Integer", "String", "Real"])
    XCTAssertEqual(count, 5)
    XCTAssertEqual(info.features.count, 5)
    XCTAssertTrue(sameCRS(try XCTUnwrap(info.crsWKT), try geo.crsWKT), "the raster's CRS on the layer")
    XCTAssertEqual(info.metadata["AREA_UNIT"], "metre²")
    XCTAssertEqual(info.metadata["DESCRIPTION"], "regions of one class in classes.tif; area in metre²")

    // Per class: regions, and area = pixels × 25 m², the field equal to the polygon's area.
    let pixels = classMap().values
    for (id, name) in names.enumerated() {
      let features = info.features.filter { $0.fields["class_id"] == "\(id)" }
      XCTAssertEqual(features.count, [1, 2, 2][id], name)
      XCTAssertTrue(features.allSatisfy { $0.fields["class_name"] == name && $0.geometryType == "POLYGON" && $0.isValid })
      let area = features.reduce(0) { $0 + Double($1.fields["area"]!)! }
      XCTAssertEqual(area, Double(pixels.filter { $0 == UInt8(id) }.count) * 25, accuracy: 1e-6, name)
      XCTAssertEqual(features.reduce(0) { $0 + $1.geometryArea }, area, accuracy: 1e-6, name)
    }
    XCTAssertEqual(Set(info.features.map { Double($0.fields["area"]!)! }), [984 * 25, 150 * 25, 25, 25 * 25])
    XCTAssertEqual(try filesIn(folder), ["classes.tif", "classes_polygons.gpkg"], "no scratch or partial file left")
  }

  func testIgnoredClassesAndMinimumArea() throws {
    let folder = try temporaryFolder(self)
    let (path, count) = try write(PolygonOptions(format: .gpkg, ignoredClasses: [0], minimumArea: 26), in: folder)
    let info = try VectorInfo(path: path)
    XCTAssertEqual(count, 3)
    XCTAssertEqual(info.features.map { $0.fields["class_name"]! }.sorted(), ["Building", "Road", "Road"], "no Land, no 25 m² speck")
  }

  /// Ignored classes are left out before polygonising, through a lookup table over 8-bit values.
  func testIgnoringClassesNeedsAnEightBitClassMap() throws {
    let folder = try temporaryFolder(self)
    let raster = folder.appendingPathComponent("wide.tif").path
    try GeoTIFFWriter.write(RasterBuffer<UInt16>(width: 8, height: 8, bands: 1, filledWith: 300), to: raster)
    let path = folder.appendingPathComponent("wide_polygons.gpkg").path
    XCTAssertEqual(try ClassPolygons.write(classRaster: raster, classNames: names, to: path, options: PolygonOptions()), 1)
    XCTAssertThrowsError(
      try ClassPolygons.write(classRaster: raster, classNames: names, to: path, options: PolygonOptions(ignoredClasses: [0]))
    ) { error in XCTAssertTrue("\(error)".contains("ignoring classes needs a class map of 8-bit values"), "\(error)") }
  }

  /// A staircase simplifies to fewer vertices, still valid and with the pixels' area.
  func testSimplifyKeepsValidPolygonsAndTheirPixelArea() throws {
    let folder = try temporaryFolder(self)
    let raster = folder.appendingPathComponent("stairs.tif").path
    var stairs = RasterBuffer<UInt8>(width: 30, height: 30, bands: 1, filledWith: 0)
    for y in 0..<30 { for x in 0..<30 where x <= y { stairs[0, y, x] = 1 } }
    try GeoTIFFWriter.write(stairs, to: raster, options: GeoTIFFOptions(geoReference: try geo))
    let plain = folder.appendingPathComponent("plain.geojson").path
    let simple = folder.appendingPathComponent("simple.geojson").path
    try ClassPolygons.write(classRaster: raster, classNames: names, to: plain, options: PolygonOptions(format: .geojson))
    try ClassPolygons.write(classRaster: raster, classNames: names, to: simple, options: PolygonOptions(format: .geojson, simplifyTolerance: 6))
    let (before, after) = (try VectorInfo(path: plain), try VectorInfo(path: simple))
    XCTAssertEqual(after.features.count, 2)
    XCTAssertTrue(after.features.allSatisfy(\.isValid))
    XCTAssertEqual(after.features.map { $0.fields["area"]! }, before.features.map { $0.fields["area"]! }, "area of the pixels")
    let json = try String(contentsOfFile: simple, encoding: .utf8), plainJSON = try String(contentsOfFile: plain, encoding: .utf8)
    XCTAssertLessThan(json.count, plainJSON.count / 3, "the 30-step staircase is a few vertices")
    for (a, b) in zip(before.features, after.features) { XCTAssertEqual(a.geometryArea, b.geometryArea, accuracy: 30 * 25) }
  }

  func testGeoJSONAndShapefileCarryFieldsAndCRS() throws {
    for format in [VectorFormat.geojson, .shp] {
      let folder = try temporaryFolder(self)
      let (path, count) = try write(PolygonOptions(format: format, ignoredClasses: [0]), in: folder)
      let info = try VectorInfo(path: path)
      XCTAssertEqual(count, 4)
      XCTAssertEqual(info.features.count, 4, "\(format)")
      XCTAssertEqual(info.fieldNames, ["class_id", "class_name", "area"], "\(format)")
      XCTAssertTrue(sameCRS(try XCTUnwrap(info.crsWKT), try geo.crsWKT), "\(format)")
      let expected = format == .shp
        ? ["classes.tif", "classes_polygons.cpg", "classes_polygons.dbf", "classes_polygons.prj", "classes_polygons.shp", "classes_polygons.shx"]
        : ["classes.tif", "classes_polygons.geojson"]
      XCTAssertEqual(try filesIn(folder), expected)
      if format == .geojson { XCTAssertEqual(info.metadata["DESCRIPTION"], "regions of one class in classes.tif; area in metre²") }
    }
  }

  /// Without georeferencing, coordinates and areas are in pixels.
  func testRasterWithoutGeoreferenceGivesPixelAreas() throws {
    let folder = try temporaryFolder(self)
    let (path, _) = try write(PolygonOptions(format: .gpkg, ignoredClasses: [0]), georeferenced: false, in: folder)
    let info = try VectorInfo(path: path)
    XCTAssertTrue(info.crsWKT?.contains("Undefined geographic SRS") ?? true, "GeoPackage's undefined CRS (srs_id 0), or none")
    XCTAssertEqual(info.metadata["AREA_UNIT"], "pixel²")
    XCTAssertEqual(Set(info.features.map { Double($0.fields["area"]!)! }), [150, 1, 25])
  }

  func testExistingFileIsReplacedWhole() throws {
    let folder = try temporaryFolder(self)
    _ = try write(PolygonOptions(format: .gpkg), in: folder)
    let (path, count) = try write(PolygonOptions(format: .gpkg, ignoredClasses: [0, 2]), in: folder)
    XCTAssertEqual(count, 2)
    XCTAssertEqual(try VectorInfo(path: path).features.count, 2)
  }
}
