import Foundation
import GISInspection
import XCTest
@testable import Raster

/// What a GIS finds in a class map and a probability raster: class names and an attribute table,
/// band descriptions, and with the COG layout tiles and overviews (gdalinfo through GDAL's API).
final class ClassAttributesTests: XCTestCase {
  private let names = ["Building", "Land", "Road"]
  private let palette = ColorTable(rgb: [(60, 16, 152), (132, 41, 246), (110, 193, 228)])

  /// A 600×500 class map: values 0…2 in diagonal stripes, nodata (255) in a corner.
  private func classes() -> RasterBuffer<UInt8> {
    var buffer = RasterBuffer<UInt8>(width: 600, height: 500, bands: 1, filledWith: 0)
    for y in 0..<500 { for x in 0..<600 { buffer[0, y, x] = x < 40 && y < 30 ? 255 : UInt8((x + y) / 50 % 3) } }
    return buffer
  }

  private func writeClassMap(_ layout: GeoTIFFOptions.Layout, in folder: URL) throws -> String {
    let path = folder.appendingPathComponent("classes.tif").path
    let geo = try XCTUnwrap(RasterDataset(path: naipScenes[1]).geoReference)
    try GeoTIFFWriter.write(
      classes(), to: path,
      options: GeoTIFFOptions(nodata: 255, colorTable: palette, geoReference: geo, classNames: names, layout: layout))
    return path
  }

  private func checkClassNames(_ path: String) throws {
    let info = try RasterInfo(path: path)
    XCTAssertEqual(info.categoryNames, names)
    let table = try XCTUnwrap(info.attributeTable)
    XCTAssertTrue(table.thematic)
    XCTAssertEqual(table.columns.map(\.name), ["value", "class_name", "red", "green", "blue"])
    XCTAssertEqual(table.columns.map(\.usage), ["MinMax", "Name", "Red", "Green", "Blue"])
    XCTAssertEqual(table.rows, [["0", "Building", "60", "16", "152"], ["1", "Land", "132", "41", "246"], ["2", "Road", "110", "193", "228"]])
  }

  func testClassNamesAndAttributeTableOnAPlainGeoTIFF() throws {
    let folder = try temporaryFolder(self)
    let path = try writeClassMap(.geoTIFF, in: folder)
    try checkClassNames(path)
    XCTAssertEqual(try filesIn(folder), ["classes.tif", "classes.tif.aux.xml"])
    XCTAssertEqual(ClassAttributes.sidecar(of: path), path + ".aux.xml")
    XCTAssertNil(try RasterInfo(path: path).imageStructure["LAYOUT"])
    XCTAssertEqual(try RasterDataset(path: path).read(UInt8.self), classes())
  }

  func testCloudOptimizedClassMap() throws {
    let folder = try temporaryFolder(self)
    let path = try writeClassMap(.cloudOptimized(overviews: .mode), in: folder)
    try checkClassNames(path)
    XCTAssertEqual(try filesIn(folder), ["classes.tif", "classes.tif.aux.xml"], "no intermediate or partial file left")
    let info = try RasterInfo(path: path)
    XCTAssertEqual(info.imageStructure["LAYOUT"], "COG")
    XCTAssertEqual(info.imageStructure["COMPRESSION"], "DEFLATE")
    XCTAssertEqual(info.blockSize, [256, 256])
    XCTAssertEqual(info.overviewCount, 2, "600×500 with 256-pixel tiles: 300×250 and 150×125")
    let copy = try RasterDataset(path: path)
    XCTAssertEqual(try copy.read(UInt8.self), classes())
    XCTAssertEqual(copy.nodata, [255])
    XCTAssertEqual(try copy.colorTable()?.entries.prefix(3).map { $0 }, palette.entries)
    XCTAssertEqual(copy.geoReference, try RasterDataset(path: naipScenes[1]).geoReference)
  }

  /// Half-float probabilities as a COG: descriptions and bits per value survive the copy, and
  /// the overviews average (a 0/1 checkerboard becomes 0.5 at half size).
  func testCloudOptimizedProbabilitiesKeepDescriptionsAndAverage() throws {
    let folder = try temporaryFolder(self)
    let path = folder.appendingPathComponent("p.tif").path
    var buffer = RasterBuffer<Float>(width: 520, height: 300, bands: 2, filledWith: 0)
    for y in 0..<300 { for x in 0..<520 { buffer[0, y, x] = Float((x + y) % 2); buffer[1, y, x] = 1 - buffer[0, y, x] } }
    try GeoTIFFWriter.write(
      buffer, to: path,
      options: GeoTIFFOptions(
        nbits: 16, nodata: .nan, bandDescriptions: ["p(Building)", "p(Land)"], layout: .cloudOptimized(overviews: .average)))
    let info = try RasterInfo(path: path)
    XCTAssertEqual(info.imageStructure["LAYOUT"], "COG")
    XCTAssertEqual(info.bandDescriptions, ["p(Building)", "p(Land)"])
    XCTAssertEqual(try RasterDataset(path: path).read(Float.self), buffer)
    let overview = try RasterDataset(path: path).read(Float.self, bands: [0], outWidth: 260, outHeight: 150, resampling: .nearest)
    XCTAssertEqual(Set(overview.values), [0.5])
    XCTAssertEqual(try filesIn(folder), ["p.tif"], "no class names, no sidecar")
  }

  func testBandDescriptionsNeedOnePerBand() throws {
    let folder = try temporaryFolder(self)
    let path = folder.appendingPathComponent("bad.tif").path
    XCTAssertThrowsError(
      try GeoTIFFWriter(path: path, width: 8, height: 8, bands: 2, dataType: .uint8, options: GeoTIFFOptions(bandDescriptions: ["one"]))
    ) { error in XCTAssertTrue("\(error)".contains("1 band descriptions for 2 bands"), "\(error)") }
    XCTAssertThrowsError(
      try GeoTIFFWriter(path: path, width: 8, height: 8, bands: 2, dataType: .uint8, options: GeoTIFFOptions(classNames: ["a"]))
    ) { error in XCTAssertTrue("\(error)".contains("class names need a single-band raster"), "\(error)") }
    XCTAssertEqual(try filesIn(folder), [])
  }
}
