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
    try RasterCopy.copy(source, to: target, driver: "COG", options: creation, what: "Cloud-Optimised GeoTIFF")
  }
}
