import CGDAL

/// Band 1 of an 8-bit class map with some classes read as nodata, for the polygoniser: an
/// in-memory VRT (Int16, nodata −1, the map's georeferencing) whose one source maps each value
/// through a lookup table, ignored classes and the map's own nodata to −1. GDAL reads it block
/// by block like the map itself, and never traces an ignored class, so a background spanning
/// the whole scene costs no memory.
final class IgnoredClassesView {
  let band: GDALRasterBandH
  private let dataset: GDALDatasetH

  init(_ raster: GDALDatasetH, path: String, ignoring ignored: Set<Int>) throws {
    let source = GDALGetRasterBand(raster, 1)
    guard GDALGetRasterDataType(source) == GDT_Byte else {
      throw RasterError.unexpectedContent(path: path, message: "ignoring classes needs a class map of 8-bit values")
    }
    GDALRuntime.resetError()
    let (width, height) = (GDALGetRasterXSize(raster), GDALGetRasterYSize(raster))
    guard let dataset = GDALCreate(GDALGetDriverByName("VRT"), "", width, height, 0, GDT_Unknown, nil) else {
      throw RasterError.gdal(operation: "create a view without ignored classes", path: path, message: GDALRuntime.lastErrorMessage())
    }
    self.dataset = dataset
    var transform = [Double](repeating: 0, count: 6)
    if GDALGetGeoTransform(raster, &transform) == CE_None { GDALSetGeoTransform(dataset, &transform) }
    if let wkt = GDALGetProjectionRef(raster), wkt.pointee != 0 { GDALSetProjection(dataset, wkt) }
    GDALAddBand(dataset, GDT_Int16, nil)
    band = GDALGetRasterBand(dataset, 1)
    GDALSetRasterNoDataValue(band, -1)

    var hasNodata: Int32 = 0
    let nodata = GDALGetRasterNoDataValue(source, &hasNodata)
    let table = (0...255).map { value in "\(value):\(ignored.contains(value) ? -1 : value)" }.joined(separator: ",")
    let escaped = CPLEscapeString(path, -1, CPLES_XML).map { pointer in
      defer { VSIFree(pointer) }
      return String(cString: pointer)
    } ?? path
    let xml = """
      <ComplexSource><SourceFilename relativeToVRT="0">\(escaped)</SourceFilename><SourceBand>1</SourceBand>\
      \(hasNodata != 0 ? "<NODATA>\(nodata)</NODATA>" : "")<LUT>\(table)</LUT></ComplexSource>
      """
    guard GDALSetMetadataItem(band, "source_0", xml, "new_vrt_sources") == CE_None else {
      let message = GDALRuntime.lastErrorMessage()
      GDALClose(dataset)
      throw RasterError.gdal(operation: "create a view without ignored classes", path: path, message: message)
    }
  }

  deinit { GDALClose(dataset) }
}
