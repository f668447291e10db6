import CGDAL

/// Reduced copies of a raster (2×, 4×, … down to one 256-pixel block), which GDAL reads instead
/// of the full raster when asked for fewer pixels than a window holds: what makes a zoomed-out
/// view of a large scene fast.
public enum Overviews {
  /// Builds overviews of every band of the raster at `path` (averaged, deflated) into
  /// `<path>.ovr`, leaving the file itself untouched. For a scene in a folder that should not be
  /// written to, point `path` at a VRT of it (`WindowFile`) in a folder of one's own.
  public static func build(path: String, smallestSide: Int = 256) throws {
    GDALRuntime.ensure()
    GDALRuntime.resetError()
    guard let dataset = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else {
      throw RasterError.gdal(operation: "open", path: path, message: GDALRuntime.lastErrorMessage())
    }
    defer { GDALClose(dataset) }
    var levels: [Int32] = []
    var side = max(Int(GDALGetRasterXSize(dataset)), Int(GDALGetRasterYSize(dataset)))
    while side > smallestSide {
      levels.append(Int32(1 << (levels.count + 1)))
      side /= 2
    }
    guard !levels.isEmpty else { return }
    let status = GDALRuntime.withThreadConfig("COMPRESS_OVERVIEW", "DEFLATE") {
      GDALBuildOverviews(dataset, "AVERAGE", Int32(levels.count), &levels, 0, nil, nil, nil)
    }
    try GDALRuntime.check(status, "build overviews", path)
  }
}
