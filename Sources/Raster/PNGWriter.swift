import CGDAL

/// Writes PNG files: single-band (grey, or palette with a colour table), RGB or RGBA, 8 or 16
/// bit. GDAL's PNG driver only copies whole datasets, so the pixels go through an in-memory
/// dataset first. The file appears under its name only when complete.
public enum PNGWriter {
  public static func write<T: RasterElement>(_ buffer: RasterBuffer<T>, to path: String, colorTable: ColorTable? = nil) throws {
    GDALRuntime.ensure()
    guard T.rasterDataType == .uint8 || T.rasterDataType == .uint16 else {
      throw RasterError.invalidArgument(path: path, message: "PNG holds uint8 or uint16 values, not \(T.rasterDataType)")
    }
    guard (1...4).contains(buffer.bands) else {
      throw RasterError.invalidArgument(path: path, message: "PNG holds 1 to 4 bands, not \(buffer.bands)")
    }
    GDALRuntime.resetError()
    guard let memory = GDALCreate(
      GDALGetDriverByName("MEM"), "", Int32(buffer.width), Int32(buffer.height), Int32(buffer.bands), T.rasterDataType.gdal, nil)
    else { throw RasterError.gdal(operation: "create in-memory raster", path: path, message: GDALRuntime.lastErrorMessage()) }
    defer { GDALClose(memory) }
    try GeoTIFFWriter.write(buffer, to: memory, x: 0, y: 0, path: path)
    if let colorTable {
      guard buffer.bands == 1 else {
        throw RasterError.invalidArgument(path: path, message: "a colour table needs a single-band PNG, not \(buffer.bands) bands")
      }
      try GeoTIFFWriter.setColorTable(colorTable, on: GDALGetRasterBand(memory, 1), path: path)
    }
    let output = AtomicOutput(path: path)
    GDALRuntime.resetError()
    guard let png = GDALCreateCopy(GDALGetDriverByName("PNG"), output.temporaryPath, memory, 0, nil, nil, nil) else {
      let message = GDALRuntime.lastErrorMessage()
      output.discard()
      throw RasterError.gdal(operation: "write PNG", path: path, message: message)
    }
    try output.close(png, operation: "write PNG")
    try output.commit()
  }
}
