import CGDAL
import Foundation

/// Writes PNG files: single-band (grey, or palette with a colour table), RGB or RGBA, 8 or 16
/// bit. GDAL's PNG driver only copies whole datasets, so the pixels go through an in-memory
/// dataset first. The file appears under its name only when complete.
public enum PNGWriter {
  public static func write<T: RasterElement>(_ buffer: RasterBuffer<T>, to path: String, colorTable: ColorTable? = nil) throws {
    let output = AtomicOutput(path: path)
    do {
      try copy(buffer, colorTable: colorTable, to: output.temporaryPath, reportedAs: path, options: [:])
    } catch {
      output.discard()
      throw error
    }
    try output.commit()
  }

  /// The bytes of the PNG file of `buffer` (map tiles), made in GDAL's in-memory file system.
  /// - Parameter level: zlib's compression level, 1 (fastest) to 9 (smallest).
  public static func encode(_ buffer: RasterBuffer<UInt8>, level: Int = 6) throws -> [UInt8] {
    let path = "/vsimem/rsseg-\(UUID().uuidString).png"
    defer { VSIUnlink(path) }
    try copy(buffer, colorTable: nil, to: path, reportedAs: "PNG in memory", options: ["ZLEVEL": "\(level)"])
    var length: vsi_l_offset = 0
    guard let bytes = VSIGetMemFileBuffer(path, &length, 0) else {
      throw RasterError.gdal(operation: "read PNG", path: "PNG in memory", message: GDALRuntime.lastErrorMessage())
    }
    return Array(UnsafeBufferPointer(start: bytes, count: Int(length)))
  }

  private static func copy<T: RasterElement>(
    _ buffer: RasterBuffer<T>, colorTable: ColorTable?, to path: String, reportedAs name: String, options: [String: String]
  ) throws {
    GDALRuntime.ensure()
    guard T.rasterDataType == .uint8 || T.rasterDataType == .uint16 else {
      throw RasterError.invalidArgument(path: name, message: "PNG holds uint8 or uint16 values, not \(T.rasterDataType)")
    }
    guard (1...4).contains(buffer.bands) else {
      throw RasterError.invalidArgument(path: name, message: "PNG holds 1 to 4 bands, not \(buffer.bands)")
    }
    GDALRuntime.resetError()
    guard let memory = GDALCreate(
      GDALGetDriverByName("MEM"), "", Int32(buffer.width), Int32(buffer.height), Int32(buffer.bands), T.rasterDataType.gdal, nil)
    else { throw RasterError.gdal(operation: "create in-memory raster", path: name, message: GDALRuntime.lastErrorMessage()) }
    defer { GDALClose(memory) }
    try GeoTIFFWriter.write(buffer, to: memory, x: 0, y: 0, path: name)
    if let colorTable {
      guard buffer.bands == 1 else {
        throw RasterError.invalidArgument(path: name, message: "a colour table needs a single-band PNG, not \(buffer.bands) bands")
      }
      try GeoTIFFWriter.setColorTable(colorTable, on: GDALGetRasterBand(memory, 1), path: name)
    }
    GDALRuntime.resetError()
    let png = GDALRuntime.withOptions(options) { GDALCreateCopy(GDALGetDriverByName("PNG"), path, memory, 0, $0, nil, nil) }
    guard let png else { throw RasterError.gdal(operation: "write PNG", path: name, message: GDALRuntime.lastErrorMessage()) }
    GDALClose(png)
    if GDALRuntime.lastCallFailed() { throw RasterError.gdal(operation: "write PNG", path: name, message: GDALRuntime.lastErrorMessage()) }
  }
}
