import AtomicFiles
import CGDAL
import Foundation

/// Which regions of a class map become polygons, and how they are shaped.
public struct PolygonOptions: Sendable, Equatable {
  public var format: VectorFormat
  /// Classes that get no polygons (background, unlabelled).
  public var ignoredClasses: Set<Int>
  /// Regions smaller than this (in the CRS's units²) are dropped.
  public var minimumArea: Double
  /// When set, each polygon is simplified with this tolerance (CRS units) without becoming
  /// invalid (GEOS's topology-preserving simplifier, polygon by polygon).
  public var simplifyTolerance: Double?

  public init(format: VectorFormat = .gpkg, ignoredClasses: Set<Int> = [], minimumArea: Double = 0, simplifyTolerance: Double? = nil) {
    self.format = format
    self.ignoredClasses = ignoredClasses
    self.minimumArea = minimumArea
    self.simplifyTolerance = simplifyTolerance
  }
}

/// The regions of a finished class map as polygons: GDAL's polygoniser over the whole raster
/// (never per window, so a region cut by window edges is one polygon), reading it scanline by
/// scanline, so memory follows the outlines of the regions still open on a line rather than
/// the raster's size (ignored classes are never traced: `IgnoredClassesView`).
public enum ClassPolygons {
  /// Writes one feature per connected region (pixels of one value touching by an edge) of band 1
  /// of the class map at `classRaster` into a new `options.format` file at `path`: `class_id`,
  /// `class_name` (from `classNames`, "" for other values), `area` (CRS units²; the pixels'
  /// area, before simplifying) and the polygon in the raster's CRS. Nodata pixels, ignored
  /// classes and regions under the minimum area give no features.
  /// - Returns: the number of features written.
  @discardableResult
  public static func write(classRaster: String, classNames: [String], to path: String, options: PolygonOptions) throws -> Int {
    GDALRuntime.ensure()
    GDALRuntime.resetError()
    guard let raster = GDALOpenEx(classRaster, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else {
      throw RasterError.gdal(operation: "open", path: classRaster, message: GDALRuntime.lastErrorMessage())
    }
    defer { GDALClose(raster) }
    let crs = GDALGetSpatialRef(raster)
    var transform = [Double](repeating: 0, count: 6)
    let areaUnit = Self.areaUnit(crs: crs, georeferenced: GDALGetGeoTransform(raster, &transform) == CE_None)

    let view = options.ignoredClasses.isEmpty ? nil : try IgnoredClassesView(raster, path: classRaster, ignoring: options.ignoredClasses)
    let regions = try Regions(
      of: view?.band ?? GDALGetRasterBand(raster, 1), path: classRaster, scratch: AtomicFile.temporaryPath(for: path) + ".regions.fgb", crs: crs)
    let output = try PolygonLayer(
      path: path, format: options.format, crs: crs, areaUnit: areaUnit,
      description: "regions of one class in \(URL(fileURLWithPath: classRaster).lastPathComponent); area in \(areaUnit)")
    var written = 0
    try regions.forEach { classID, polygon in
      let area = OGR_G_Area(polygon)
      guard area >= options.minimumArea else { return }
      let name = classNames.indices.contains(classID) ? classNames[classID] : ""
      if let tolerance = options.simplifyTolerance {
        guard let simplified = OGR_G_SimplifyPreserveTopology(polygon, tolerance) else {
          throw RasterError.gdal(operation: "simplify", path: path, message: GDALRuntime.lastErrorMessage())
        }
        defer { OGR_G_DestroyGeometry(simplified) }
        try output.add(classID: classID, className: name, area: area, geometry: simplified)
      } else {
        try output.add(classID: classID, className: name, area: area, geometry: polygon)
      }
      written += 1
    }
    try output.commit()
    return written
  }

  /// "metre²", "degree²", … from the CRS's unit; "pixel²" for a raster without georeferencing.
  static func areaUnit(crs: OGRSpatialReferenceH?, georeferenced: Bool) -> String {
    guard let crs else { return georeferenced ? "unknown unit² (no CRS)" : "pixel²" }
    var name: UnsafeMutablePointer<CChar>? = nil
    if OSRIsGeographic(crs) != 0 { _ = OSRGetAngularUnits(crs, &name) } else { _ = OSRGetLinearUnits(crs, &name) }
    return (name.map { String(cString: $0) } ?? "unknown unit") + "²"
  }
}

/// Every region of a class band (its nodata pixels left out), polygonised once into a scratch
/// FlatGeobuf file (streamed, no index) beside the output, then read back one at a time; the
/// file is deleted with it.
private final class Regions {
  private let scratch: String
  private let dataset: GDALDatasetH
  private let layer: OGRLayerH

  init(of band: GDALRasterBandH?, path: String, scratch: String, crs: OGRSpatialReferenceH?) throws {
    self.scratch = scratch
    let allValid = GDALGetMaskFlags(band) & GMF_ALL_VALID != 0
    GDALRuntime.resetError()
    guard let writing = GDALCreate(GDALGetDriverByName("FlatGeobuf"), scratch, 0, 0, 0, GDT_Unknown, nil) else {
      throw RasterError.gdal(operation: "create scratch polygons", path: scratch, message: GDALRuntime.lastErrorMessage())
    }
    let layer = GDALRuntime.withOptions(["SPATIAL_INDEX": "NO"]) { GDALDatasetCreateLayer(writing, "regions", crs, wkbPolygon, $0) }
    let field = OGR_Fld_Create("class_id", OFTInteger)
    defer { OGR_Fld_Destroy(field) }
    var status = CE_Failure
    if let layer, OGR_L_CreateField(layer, field, 1) == OGRERR_NONE {
      status = GDALPolygonize(band, allValid ? nil : GDALGetMaskBand(band), layer, 0, nil, nil, nil)
    }
    let message = GDALRuntime.lastErrorMessage()
    GDALClose(writing)
    guard status == CE_None else {
      unlink(scratch)
      throw RasterError.gdal(operation: "polygonise", path: path, message: message)
    }
    guard let reading = GDALOpenEx(scratch, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, nil, nil),
      let readLayer = GDALDatasetGetLayer(reading, 0)
    else {
      unlink(scratch)
      throw RasterError.gdal(operation: "read scratch polygons", path: scratch, message: GDALRuntime.lastErrorMessage())
    }
    dataset = reading
    self.layer = readLayer
  }

  deinit {
    GDALClose(dataset)
    unlink(scratch)
  }

  /// Calls `body` with each region's class and polygon (valid during the call only).
  func forEach(_ body: (Int, OGRGeometryH) throws -> Void) throws {
    OGR_L_ResetReading(layer)
    while let feature = OGR_L_GetNextFeature(layer) {
      defer { OGR_F_Destroy(feature) }
      guard let polygon = OGR_F_GetGeometryRef(feature) else { continue }
      try body(Int(OGR_F_GetFieldAsInteger(feature, 0)), polygon)
    }
  }
}
