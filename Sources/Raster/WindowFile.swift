import CGDAL

/// A GDAL VRT file that shows one window of another raster as a raster of its own, georeferenced
/// where the window lies: `gdal_translate -of VRT -srcwin`. Running `predict` on it segments just
/// that window, its outputs placed on the map like the source.
public enum WindowFile {
  /// Writes the VRT of `window` of the raster at `source` to `path`.
  public static func write(source: String, window: PixelWindow, to path: String) throws {
    GDALRuntime.ensure()
    GDALRuntime.resetError()
    guard let dataset = GDALOpenEx(source, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else {
      throw RasterError.gdal(operation: "open", path: source, message: GDALRuntime.lastErrorMessage())
    }
    defer { GDALClose(dataset) }
    let arguments = ["-of", "VRT", "-srcwin", "\(window.x)", "\(window.y)", "\(window.width)", "\(window.height)"]
    var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
    for argument in arguments { list = CSLAddString(list, argument) }
    defer { CSLDestroy(list) }
    guard let options = GDALTranslateOptionsNew(list, nil) else {
      throw RasterError.gdal(operation: "window \(window)", path: source, message: GDALRuntime.lastErrorMessage())
    }
    defer { GDALTranslateOptionsFree(options) }
    var usageError: Int32 = 0
    guard let output = GDALTranslate(path, dataset, options, &usageError) else {
      throw RasterError.gdal(operation: "window \(window)", path: source, message: GDALRuntime.lastErrorMessage())
    }
    GDALClose(output)
  }
}
