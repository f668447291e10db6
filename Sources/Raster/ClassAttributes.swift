import AtomicFiles
import CGDAL
import Foundation

/// The class names of a class map where GIS software looks for them: GDAL category names and a
/// thematic raster attribute table (columns `value`, `class_name`, `red`, `green`, `blue`) on
/// band 1. GDAL 3.6's GeoTIFF driver keeps both in a PAM sidecar, `<file>.aux.xml`, which QGIS,
/// ArcGIS and GDAL read with the GeoTIFF; rsseg turns PAM on only while writing it.
public enum ClassAttributes {
  /// The sidecar of the raster at `path`.
  public static func sidecar(of path: String) -> String { path + ".aux.xml" }

  /// Writes the sidecar of `raster`'s finished temporary file and renames it into place.
  static func write(_ names: [String], colors: ColorTable?, for raster: AtomicOutput) throws {
    let written = sidecar(of: raster.temporaryPath)
    do {
      try GDALRuntime.withThreadConfig("GDAL_PAM_ENABLED", "YES") {
        GDALRuntime.resetError()
        guard let dataset = GDALOpenEx(raster.temporaryPath, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else {
          throw RasterError.gdal(operation: "reopen for class names", path: raster.finalPath, message: GDALRuntime.lastErrorMessage())
        }
        do { try describe(GDALGetRasterBand(dataset, 1), names: names, colors: colors, path: raster.finalPath) } catch {
          GDALClose(dataset)
          throw error
        }
        GDALRuntime.resetError()
        GDALClose(dataset)  // PAM writes the sidecar here
        guard !GDALRuntime.lastCallFailed(), FileManager.default.fileExists(atPath: written) else {
          throw RasterError.gdal(operation: "write class names", path: sidecar(of: raster.finalPath), message: GDALRuntime.lastErrorMessage())
        }
      }
      try AtomicFile.commit(written, to: sidecar(of: raster.finalPath))
    } catch let error as AtomicFileError {
      throw RasterError.io(path: error.path, message: error.message)
    } catch {
      unlink(written)
      throw error
    }
  }

  private static func describe(_ band: GDALRasterBandH?, names: [String], colors: ColorTable?, path: String) throws {
    var cNames = names.map { strdup($0) } + [nil]
    defer { for name in cNames { free(name) } }
    try GDALRuntime.check(GDALSetRasterCategoryNames(band, &cNames), "set category names", path)

    let table = GDALCreateRasterAttributeTable()
    defer { GDALDestroyRasterAttributeTable(table) }
    GDALRATSetTableType(table, GRTT_THEMATIC)
    var columns: [(String, GDALRATFieldType, GDALRATFieldUsage)] = [("value", GFT_Integer, GFU_MinMax), ("class_name", GFT_String, GFU_Name)]
    if colors != nil { columns += [("red", GFT_Integer, GFU_Red), ("green", GFT_Integer, GFU_Green), ("blue", GFT_Integer, GFU_Blue)] }
    for (name, type, usage) in columns {
      try GDALRuntime.check(GDALRATCreateColumn(table, name, type, usage), "create attribute column \(name)", path)
    }
    GDALRATSetRowCount(table, Int32(names.count))
    for (i, name) in names.enumerated() {
      let row = Int32(i)
      GDALRATSetValueAsInt(table, row, 0, row)
      GDALRATSetValueAsString(table, row, 1, name)
      if let colors, i < colors.entries.count {
        let colour = colors.entries[i]
        for (column, value) in [colour.red, colour.green, colour.blue].enumerated() {
          GDALRATSetValueAsInt(table, row, Int32(2 + column), Int32(value))
        }
      }
    }
    try GDALRuntime.check(GDALSetDefaultRAT(band, table), "set raster attribute table", path)
  }
}
