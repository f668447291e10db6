import AtomicFiles
import CGDAL
import Foundation

/// The layer `ClassPolygons` writes: a new vector file of polygons with the fields `class_id`
/// (integer), `class_name` (string) and `area` (real, in `areaUnit`, which the layer's metadata
/// item `AREA_UNIT` records where the format keeps layer metadata: GeoPackage), in the scene's
/// CRS. Written under a temporary name (every part of a shapefile) inside one transaction where
/// the driver has them, and renamed into place by `commit()`, the main file last; dropped
/// without `commit()`, it deletes what it wrote.
final class PolygonLayer {
  static let fields: [(name: String, type: OGRFieldType)] = [("class_id", OFTInteger), ("class_name", OFTString), ("area", OFTReal)]

  let path: String
  let format: VectorFormat
  private let temporaryPath: String
  private var dataset: GDALDatasetH?
  private let layer: OGRLayerH
  private let definition: OGRFeatureDefnH
  private let inTransaction: Bool

  init(path: String, format: VectorFormat, crs: OGRSpatialReferenceH?, areaUnit: String, description: String) throws {
    self.path = path
    self.format = format
    temporaryPath = AtomicFile.temporaryPath(for: path) + "." + format.fileExtension
    GDALRuntime.resetError()
    guard let dataset = GDALCreate(GDALGetDriverByName(format.driver), temporaryPath, 0, 0, 0, GDT_Unknown, nil) else {
      throw RasterError.gdal(operation: "create \(format.driver) file", path: path, message: GDALRuntime.lastErrorMessage())
    }
    self.dataset = dataset
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    let created = GDALRuntime.withOptions(format.layerOptions(description: description)) {
      GDALDatasetCreateLayer(dataset, name, crs, wkbPolygon, $0)
    }
    guard let created else {
      let message = GDALRuntime.lastErrorMessage()
      Self.remove(temporaryPath, format: format, dataset: dataset)
      throw RasterError.gdal(operation: "create layer", path: path, message: message)
    }
    layer = created
    for field in Self.fields {
      let definition = OGR_Fld_Create(field.name, field.type)
      defer { OGR_Fld_Destroy(definition) }
      guard OGR_L_CreateField(created, definition, 1) == OGRERR_NONE else {
        let message = GDALRuntime.lastErrorMessage()
        Self.remove(temporaryPath, format: format, dataset: dataset)
        throw RasterError.gdal(operation: "create field \(field.name)", path: path, message: message)
      }
    }
    GDALSetMetadataItem(created, "AREA_UNIT", areaUnit, nil)
    definition = OGR_L_GetLayerDefn(created)
    inTransaction = GDALDatasetStartTransaction(dataset, 0) == OGRERR_NONE
  }

  deinit {
    if let dataset { Self.remove(temporaryPath, format: format, dataset: dataset) }
  }

  /// Adds one polygon (not taken over: the caller still owns `geometry`).
  func add(classID: Int, className: String, area: Double, geometry: OGRGeometryH) throws {
    guard let feature = OGR_F_Create(definition) else {
      throw RasterError.gdal(operation: "create feature", path: path, message: GDALRuntime.lastErrorMessage())
    }
    defer { OGR_F_Destroy(feature) }
    OGR_F_SetFieldInteger(feature, 0, Int32(classID))
    OGR_F_SetFieldString(feature, 1, className)
    OGR_F_SetFieldDouble(feature, 2, area)
    OGR_F_SetGeometry(feature, geometry)
    guard OGR_L_CreateFeature(layer, feature) == OGRERR_NONE else {
      throw RasterError.gdal(operation: "write feature", path: path, message: GDALRuntime.lastErrorMessage())
    }
  }

  /// Commits, closes and renames every part into place, the main file last.
  func commit() throws {
    guard let dataset else { return }
    if inTransaction, GDALDatasetCommitTransaction(dataset) != OGRERR_NONE {
      throw RasterError.gdal(operation: "commit", path: path, message: GDALRuntime.lastErrorMessage())
    }
    self.dataset = nil
    GDALRuntime.resetError()
    GDALClose(dataset)
    if GDALRuntime.lastCallFailed() {
      let message = GDALRuntime.lastErrorMessage()
      Self.remove(temporaryPath, format: format, dataset: nil)
      throw RasterError.gdal(operation: "close", path: path, message: message)
    }
    let base = URL(fileURLWithPath: path).deletingPathExtension().path
    let temporaryBase = URL(fileURLWithPath: temporaryPath).deletingPathExtension().path
    do {
      for ext in format.companionExtensions {
        if FileManager.default.fileExists(atPath: "\(temporaryBase).\(ext)") {
          try AtomicFile.commit("\(temporaryBase).\(ext)", to: "\(base).\(ext)")
        } else {
          unlink("\(base).\(ext)")  // a part an older file had
        }
      }
      try AtomicFile.commit(temporaryPath, to: path)
    } catch let error as AtomicFileError {
      Self.remove(temporaryPath, format: format, dataset: nil)
      throw RasterError.io(path: error.path, message: error.message)
    }
  }

  /// Closes `dataset` (when open) and deletes the temporary file and its parts.
  private static func remove(_ temporaryPath: String, format: VectorFormat, dataset: GDALDatasetH?) {
    if let dataset { GDALClose(dataset) }
    let base = URL(fileURLWithPath: temporaryPath).deletingPathExtension().path
    for ext in format.companionExtensions { unlink("\(base).\(ext)") }
    unlink(temporaryPath)
  }
}
