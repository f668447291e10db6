import CGDAL

/// A finished raster copied by a GDAL driver (`GDALCreateCopy`) into another file: the copy
/// reads the source block by block and writes every tile once, in order, so its bytes depend
/// only on the source's content and the creation options, not on how the source was written.
enum RasterCopy {
  /// Copies `source` into `target`'s temporary file with `driver` ("GTiff", "COG") and its
  /// creation `options`. `what` names the result in errors.
  static func copy(_ source: String, to target: AtomicOutput, driver: String, options: [String: String], what: String) throws {
    GDALRuntime.resetError()
    guard let input = GDALOpenEx(source, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else {
      throw RasterError.gdal(operation: "reopen for the \(what)", path: target.finalPath, message: GDALRuntime.lastErrorMessage())
    }
    defer { GDALClose(input) }
    // Partial edge tiles of half-float bands make GDAL 3.6 report padding values out of
    // float16 range; the copy succeeds, so only a missing result is a failure.
    let copied = GDALRuntime.withOptions(options) {
      GDALCreateCopy(GDALGetDriverByName(driver), target.temporaryPath, input, 0, $0, nil, nil)
    }
    guard let copied else {
      throw RasterError.gdal(operation: "write \(what)", path: target.finalPath, message: GDALRuntime.lastErrorMessage())
    }
    GDALRuntime.resetError()
    GDALClose(copied)
    if GDALRuntime.lastCallFailed() {
      throw RasterError.gdal(operation: "close \(what)", path: target.finalPath, message: GDALRuntime.lastErrorMessage())
    }
  }
}
