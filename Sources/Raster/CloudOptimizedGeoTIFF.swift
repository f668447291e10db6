import CGDAL

/// Cloud-Optimised GeoTIFFs through GDAL's COG driver, copied from a finished GeoTIFF: tiled,
/// with overviews, laid out so that a reader fetching byte ranges over HTTP finds the header,
/// then the overviews, then the full-resolution tiles (`LAYOUT=COG` in gdalinfo).
enum CloudOptimizedGeoTIFF {
  /// Copies the GeoTIFF at `source` (pixels, georeferencing, nodata, palette, band descriptions,
  /// bits per value) into `target`'s temporary file as a COG with `options`' tile size,
  /// compression and predictor, overviews computed with `overviews`.
  static func copy(_ source: String, to target: AtomicOutput, options: GeoTIFFOptions, overviews: Resampling) throws {
    var creation = [
      "COMPRESS": options.compression.rawValue, "BLOCKSIZE": "\(options.blockSize)", "BIGTIFF": options.bigTIFF,
      "RESAMPLING": overviews.gdalName,
    ]
    if options.compression != .none, options.predictor != 1 { creation["PREDICTOR"] = "\(options.predictor)" }
    GDALRuntime.resetError()
    guard let input = GDALOpenEx(source, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else {
      throw RasterError.gdal(operation: "reopen for the COG", path: target.finalPath, message: GDALRuntime.lastErrorMessage())
    }
    defer { GDALClose(input) }
    // Partial edge tiles of half-float bands make GDAL 3.6 report padding values out of
    // float16 range; the copy succeeds, so only a missing result is a failure.
    let copied = GDALRuntime.withOptions(creation) {
      GDALCreateCopy(GDALGetDriverByName("COG"), target.temporaryPath, input, 0, $0, nil, nil)
    }
    guard let copied else {
      throw RasterError.gdal(operation: "write Cloud-Optimised GeoTIFF", path: target.finalPath, message: GDALRuntime.lastErrorMessage())
    }
    GDALRuntime.resetError()
    GDALClose(copied)
    if GDALRuntime.lastCallFailed() {
      throw RasterError.gdal(operation: "close Cloud-Optimised GeoTIFF", path: target.finalPath, message: GDALRuntime.lastErrorMessage())
    }
  }
}
