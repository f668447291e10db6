import CGDAL
import Foundation

/// How a GeoTIFF is laid out, compressed and described.
public struct GeoTIFFOptions: Sendable {
  public enum Compression: String, Sendable { case none = "NONE", deflate = "DEFLATE", lzw = "LZW", zstd = "ZSTD" }

  /// A plain GeoTIFF, or a Cloud-Optimised GeoTIFF (tiles, then overviews, then the pixels,
  /// in the order HTTP range readers want them; GDAL's COG driver).
  public enum Layout: Sendable, Equatable {
    case geoTIFF
    /// Overviews computed with `overviews` (mode or nearest for classes, average for
    /// probabilities); tiles of `blockSize`, the same compression and predictor.
    case cloudOptimized(overviews: Resampling)
  }

  public var tiled = true
  public var blockSize = 256
  public var compression = Compression.deflate
  /// Horizontal differencing (2) helps deflate on images; 1 = none.
  public var predictor = 1
  /// Bits per value when fewer than the data type's (e.g. 16 on float32 for half floats).
  public var nbits: Int? = nil
  public var nodata: Double? = nil
  public var colorTable: ColorTable? = nil
  public var geoReference: GeoReference? = nil
  /// "IF_SAFER" lets GDAL switch to BigTIFF for outputs near 4 GB.
  public var bigTIFF = "IF_SAFER"
  /// One name per band, stored as GDAL band descriptions (what gdalinfo and QGIS show).
  public var bandDescriptions: [String]? = nil
  /// The classes of a single-band class map, value i being class i: GDAL category names and a
  /// raster attribute table (value, class name, colour from `colorTable`) in the file's
  /// `ClassAttributes.sidecar` (GDAL 3.6's GeoTIFF driver keeps both only there).
  public var classNames: [String]? = nil
  public var layout = Layout.geoTIFF
  /// Write the file in tile order when finished: windows are streamed into a temporary file
  /// (fast ZSTD), then GDAL copies it tile by tile, so the bytes depend only on the pixels and
  /// these options, never on the order or size of the windows written (a scene predicted by one
  /// process and one merged from parts written by several give the same file). A COG is always
  /// written so.
  public var tileOrdered = false

  public init(
    tiled: Bool = true, blockSize: Int = 256, compression: Compression = .deflate, predictor: Int = 1,
    nbits: Int? = nil, nodata: Double? = nil, colorTable: ColorTable? = nil, geoReference: GeoReference? = nil,
    bandDescriptions: [String]? = nil, classNames: [String]? = nil, layout: Layout = .geoTIFF
  ) {
    self.tiled = tiled
    self.blockSize = blockSize
    self.compression = compression
    self.predictor = predictor
    self.nbits = nbits
    self.nodata = nodata
    self.colorTable = colorTable
    self.geoReference = geoReference
    self.bandDescriptions = bandDescriptions
    self.classNames = classNames
    self.layout = layout
  }

  var creationOptions: [String: String] {
    var o = ["COMPRESS": compression.rawValue, "BIGTIFF": bigTIFF]
    if tiled {
      o["TILED"] = "YES"
      o["BLOCKXSIZE"] = "\(blockSize)"
      o["BLOCKYSIZE"] = "\(blockSize)"
    }
    if compression != .none, predictor != 1 { o["PREDICTOR"] = "\(predictor)" }
    if let nbits { o["NBITS"] = "\(nbits)" }
    return o
  }

  /// The options of the file windows are streamed into: the final ones, or for a file copied
  /// when finished (`tileOrdered`, COG), fast compression.
  var streamingOptions: [String: String] {
    guard tileOrdered || layout != .geoTIFF else { return creationOptions }
    var o = creationOptions
    (o["COMPRESS"], o["ZSTD_LEVEL"]) = ("ZSTD", "1")
    o["PREDICTOR"] = nil
    return o
  }
}

/// A GeoTIFF written window by window (so huge scenes stream through memory), then `finish()`ed.
///
/// The file is created under a temporary name and renamed into place by `finish()`; a writer
/// dropped without `finish()` deletes its temporary file. A Cloud-Optimised GeoTIFF is copied
/// by GDAL's COG driver from the finished tiled GeoTIFF (overviews need every pixel first), a
/// `tileOrdered` one by the GeoTIFF driver; class
/// names go into the sidecar, committed just before the GeoTIFF. Not thread-safe: one writer
/// per thread.
public final class GeoTIFFWriter {
  public let path: String
  public let width: Int
  public let height: Int
  public let bands: Int
  public let dataType: RasterDataType

  private var handle: GDALDatasetH?
  private let output: AtomicOutput
  private let options: GeoTIFFOptions

  /// Creates a `width` × `height` GeoTIFF of `bands` bands of `dataType`.
  public init(path: String, width: Int, height: Int, bands: Int, dataType: RasterDataType, options: GeoTIFFOptions = .init()) throws {
    GDALRuntime.ensure()
    guard width > 0, height > 0, bands > 0 else {
      throw RasterError.invalidArgument(path: path, message: "cannot create a \(bands)-band \(width)×\(height) raster")
    }
    self.path = path
    self.width = width
    self.height = height
    self.bands = bands
    self.dataType = dataType
    self.options = options
    output = AtomicOutput(path: path)
    GDALRuntime.resetError()
    let driver = GDALGetDriverByName("GTiff")
    let created = GDALRuntime.withOptions(options.streamingOptions) {
      GDALCreate(driver, output.temporaryPath, Int32(width), Int32(height), Int32(bands), dataType.gdal, $0)
    }
    guard let created else {
      throw RasterError.gdal(operation: "create GeoTIFF", path: path, message: GDALRuntime.lastErrorMessage())
    }
    handle = created
    do { try Self.describe(created, bands: bands, options: options, path: path) } catch {
      GDALClose(created)
      handle = nil
      output.discard()
      throw error
    }
  }

  deinit {
    if let handle {
      GDALClose(handle)
      output.discard()
    }
  }

  /// Writes `buffer` (all bands) with its top-left corner at (`x`, `y`).
  public func write<T: RasterElement>(_ buffer: RasterBuffer<T>, x: Int = 0, y: Int = 0) throws {
    guard let handle else { throw RasterError.invalidArgument(path: path, message: "write after finish()") }
    try Self.write(buffer, to: handle, x: x, y: y, path: path)
  }

  /// Flushes and closes the file, makes the COG and the class sidecar when asked, and renames
  /// them into place (the sidecar first).
  public func finish() throws {
    guard let h = handle else { return }
    handle = nil
    try output.close(h, operation: "close")
    var finished = output
    if options.layout != .geoTIFF || options.tileOrdered {
      let copy = AtomicOutput(path: path)
      defer { output.discard() }
      do {
        if case .cloudOptimized(let overviews) = options.layout {
          try CloudOptimizedGeoTIFF.copy(output.temporaryPath, to: copy, options: options, overviews: overviews)
        } else {
          try RasterCopy.copy(output.temporaryPath, to: copy, driver: "GTiff", options: options.creationOptions, what: "GeoTIFF")
        }
      } catch {
        copy.discard()
        throw error
      }
      finished = copy
    }
    if let classNames = options.classNames {
      do { try ClassAttributes.write(classNames, colors: options.colorTable, for: finished) } catch {
        finished.discard()
        throw error
      }
    }
    try finished.commit()
  }

  /// Writes a whole buffer as a GeoTIFF in one call.
  public static func write<T: RasterElement>(_ buffer: RasterBuffer<T>, to path: String, options: GeoTIFFOptions = .init()) throws {
    let writer = try GeoTIFFWriter(
      path: path, width: buffer.width, height: buffer.height, bands: buffer.bands, dataType: T.rasterDataType, options: options)
    try writer.write(buffer)
    try writer.finish()
  }

  static func write<T: RasterElement>(_ buffer: RasterBuffer<T>, to handle: GDALDatasetH, x: Int, y: Int, path: String) throws {
    let w = Int(GDALGetRasterXSize(handle))
    let h = Int(GDALGetRasterYSize(handle))
    let n = Int(GDALGetRasterCount(handle))
    let window = PixelWindow(x: x, y: y, width: buffer.width, height: buffer.height)
    guard window.isInside(width: w, height: h) else {
      throw RasterError.invalidArgument(path: path, message: "window \(window) is outside the \(w)×\(h) raster")
    }
    guard buffer.bands == n else {
      throw RasterError.invalidArgument(path: path, message: "buffer has \(buffer.bands) bands, the raster \(n)")
    }
    let size = T.rasterDataType.size
    var bandMap = (1...n).map { Int32($0) }
    var values = buffer.values
    GDALRuntime.resetError()
    let status = values.withUnsafeMutableBytes { raw in
      GDALDatasetRasterIO(
        handle, GF_Write, Int32(x), Int32(y), Int32(buffer.width), Int32(buffer.height), raw.baseAddress,
        Int32(buffer.width), Int32(buffer.height), T.rasterDataType.gdal, Int32(n), &bandMap,
        Int32(size), Int32(size * buffer.width), Int32(size * buffer.width * buffer.height))
    }
    try GDALRuntime.check(status, "write \(window)", path)
  }

  /// Georeferencing, nodata, palette and band descriptions of a new dataset.
  static func describe(_ handle: GDALDatasetH, bands: Int, options: GeoTIFFOptions, path: String) throws {
    if let descriptions = options.bandDescriptions, descriptions.count != bands {
      throw RasterError.invalidArgument(path: path, message: "\(descriptions.count) band descriptions for \(bands) bands")
    }
    if options.classNames != nil, bands != 1 {
      throw RasterError.invalidArgument(path: path, message: "class names need a single-band raster, not \(bands) bands")
    }
    if let geo = options.geoReference {
      var t = geo.geoTransform
      try GDALRuntime.check(GDALSetGeoTransform(handle, &t), "set geotransform", path)
      if !geo.crsWKT.isEmpty { try GDALRuntime.check(GDALSetProjection(handle, geo.crsWKT), "set CRS", path) }
    }
    for b in 0..<bands {
      let band = GDALGetRasterBand(handle, Int32(b + 1))
      if let nodata = options.nodata { try GDALRuntime.check(GDALSetRasterNoDataValue(band, nodata), "set nodata", path) }
      if let descriptions = options.bandDescriptions { GDALSetDescription(band, descriptions[b]) }
    }
    if let palette = options.colorTable {
      guard bands == 1 else {
        throw RasterError.invalidArgument(path: path, message: "a colour table needs a single-band raster, not \(bands) bands")
      }
      try setColorTable(palette, on: GDALGetRasterBand(handle, 1), path: path)
    }
  }

  static func setColorTable(_ palette: ColorTable, on band: GDALRasterBandH?, path: String) throws {
    let table = GDALCreateColorTable(GPI_RGB)
    defer { GDALDestroyColorTable(table) }
    for (i, e) in palette.entries.enumerated() {
      var entry = GDALColorEntry(c1: Int16(e.red), c2: Int16(e.green), c3: Int16(e.blue), c4: Int16(e.alpha))
      GDALSetColorEntry(table, Int32(i), &entry)
    }
    try GDALRuntime.check(GDALSetRasterColorTable(band, table), "set colour table", path)
    try GDALRuntime.check(GDALSetRasterColorInterpretation(band, GCI_PaletteIndex), "set colour interpretation", path)
  }
}
