import CGDAL
import Foundation

/// A raster file opened read-only through GDAL (GeoTIFF/COG, PNG, JPEG, … anything GDAL reads).
///
/// Owns one GDAL dataset handle, closed in `deinit`. GDAL handles are not thread-safe, so reads
/// are serialised by a lock: one `RasterDataset` may be shared between threads, and threads that
/// need parallel reads (the data loader) open their own. Bands are numbered from 0.
public final class RasterDataset: @unchecked Sendable {
  public let path: String
  public let width: Int
  public let height: Int
  public let bandCount: Int
  /// The data type of each band.
  public let dataTypes: [RasterDataType]
  /// The nodata value of each band, if set.
  public let nodata: [Double?]
  /// Geotransform and CRS; nil when the file has neither (plain PNG/JPEG).
  public let geoReference: GeoReference?
  /// GDAL's short driver name ("GTiff", "PNG", "JPEG", …).
  public let driver: String
  /// The natural block size of band 0 (tiles of a tiled GeoTIFF, rows of a strip or PNG).
  public let blockSize: (width: Int, height: Int)
  /// The overviews (reduced copies, inside the file or in a `.ovr` beside it) of band 0.
  public let overviewCount: Int

  private let handle: GDALDatasetH
  private let lock = NSLock()

  /// Opens `path`.
  /// - Parameter probeSiblings: let GDAL list the folder for side files (.ovr, .aux.xml, world
  ///   files). Turn it off when opening many files of a big folder (a dataset's patches).
  /// - Throws: `RasterError.gdal` naming the file when GDAL cannot open it, and
  ///   `RasterError.unexpectedContent` for complex-valued or band-less rasters.
  public init(path: String, probeSiblings: Bool = true) throws {
    GDALRuntime.ensure()
    GDALRuntime.resetError()
    let flags = UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
    let noSiblings: [UnsafePointer<CChar>?] = [nil]
    let opened: GDALDatasetH? = probeSiblings
      ? GDALOpenEx(path, flags, nil, nil, nil)
      : noSiblings.withUnsafeBufferPointer { GDALOpenEx(path, flags, nil, nil, $0.baseAddress) }
    guard let handle = opened else {
      let message = FileManager.default.fileExists(atPath: path) ? GDALRuntime.lastErrorMessage() : "no such file"
      throw RasterError.gdal(operation: "open", path: path, message: message)
    }
    self.handle = handle
    self.path = path
    width = Int(GDALGetRasterXSize(handle))
    height = Int(GDALGetRasterYSize(handle))
    bandCount = Int(GDALGetRasterCount(handle))
    driver = GDALGetDatasetDriver(handle).flatMap { GDALGetDriverShortName($0) }.map { String(cString: $0) } ?? "?"

    var types: [RasterDataType] = []
    var nodata: [Double?] = []
    for b in 0..<bandCount {
      let band = GDALGetRasterBand(handle, Int32(b + 1))
      let gdalType = GDALGetRasterDataType(band)
      guard let type = RasterDataType(gdal: gdalType) else {
        GDALClose(handle)
        let name = GDALGetDataTypeName(gdalType).map { String(cString: $0) } ?? "\(gdalType)"
        throw RasterError.unexpectedContent(path: path, message: "band \(b) has unsupported data type \(name)")
      }
      types.append(type)
      var has: Int32 = 0
      let value = GDALGetRasterNoDataValue(band, &has)
      nodata.append(has != 0 ? value : nil)
    }
    guard bandCount > 0 else {
      GDALClose(handle)
      throw RasterError.unexpectedContent(path: path, message: "the file has no raster bands")
    }
    dataTypes = types
    self.nodata = nodata

    var bw: Int32 = 0
    var bh: Int32 = 0
    GDALGetBlockSize(GDALGetRasterBand(handle, 1), &bw, &bh)
    blockSize = (Int(bw), Int(bh))
    overviewCount = Int(GDALGetOverviewCount(GDALGetRasterBand(handle, 1)))

    var transform = [Double](repeating: 0, count: 6)
    let hasTransform = GDALGetGeoTransform(handle, &transform) == CE_None
    let wkt = GDALGetProjectionRef(handle).map { String(cString: $0) } ?? ""
    geoReference = hasTransform || !wkt.isEmpty
      ? GeoReference(geoTransform: hasTransform ? transform : [0, 1, 0, 0, 0, 1], crsWKT: wkt) : nil
    GDALRuntime.resetError()
  }

  deinit { GDALClose(handle) }

  /// Runs `body` with GDAL's handle of `band`, under the dataset's lock (for the module's own
  /// GDAL calls on it).
  func withBand<R>(_ band: Int, _ body: (GDALRasterBandH) throws -> R) throws -> R {
    try checkBands([band])
    return try lock.withLock { try body(GDALGetRasterBand(handle, Int32(band + 1))) }
  }

  /// The palette of `band`, if it has one.
  public func colorTable(band: Int = 0) throws -> ColorTable? {
    try checkBands([band])
    return lock.withLock {
      guard let table = GDALGetRasterColorTable(GDALGetRasterBand(handle, Int32(band + 1))) else { return nil }
      let n = Int(GDALGetColorEntryCount(table))
      return ColorTable((0..<n).map { i in
        let e = GDALGetColorEntry(table, Int32(i))!.pointee
        return ColorTable.Entry(UInt8(clamping: e.c1), UInt8(clamping: e.c2), UInt8(clamping: e.c3), alpha: UInt8(clamping: e.c4))
      })
    }
  }

  /// Reads `bands` (all by default) of `window` (the whole raster by default) into a buffer of
  /// `T`, converting values as GDAL does. With `outWidth`/`outHeight` the window is resampled
  /// to that size (overviews are used when they fit), e.g. for previews.
  /// - Throws: `RasterError.invalidArgument` for a window outside the raster or a bad band,
  ///   `RasterError.gdal` when decoding fails (truncated or corrupt file).
  public func read<T: RasterElement>(
    _ type: T.Type = T.self, bands: [Int]? = nil, window: PixelWindow? = nil,
    outWidth: Int? = nil, outHeight: Int? = nil, resampling: Resampling = .nearest
  ) throws -> RasterBuffer<T> {
    let bands = bands ?? Array(0..<bandCount)
    let window = window ?? PixelWindow(x: 0, y: 0, width: width, height: height)
    try checkBands(bands)
    guard window.isInside(width: width, height: height) else {
      throw RasterError.invalidArgument(path: path, message: "window \(window) is outside the \(width)×\(height) raster")
    }
    let ow = outWidth ?? window.width
    let oh = outHeight ?? window.height
    guard ow > 0, oh > 0 else { throw RasterError.invalidArgument(path: path, message: "output size \(ow)×\(oh)") }
    let size = T.rasterDataType.size
    // A crafted header (or a whole huge scene) must not become an allocation the machine cannot make.
    let (pixels, o1) = ow.multipliedReportingOverflow(by: oh)
    let (count, o2) = pixels.multipliedReportingOverflow(by: bands.count)
    let (bytes, o3) = count.multipliedReportingOverflow(by: size)
    guard !o1, !o2, !o3, UInt64(bytes) <= ProcessInfo.processInfo.physicalMemory else {
      let gb = Double(ow) * Double(oh) * Double(bands.count) * Double(size) / 1e9
      throw RasterError.invalidArgument(
        path: path, message: String(format: "reading %d×%d pixels of %d bands needs %.1f GB, more than this machine's memory; read it in windows", ow, oh, bands.count, gb))
    }
    var bandMap = bands.map { Int32($0 + 1) }
    var extra = GDALRasterIOExtraArg()
    extra.nVersion = RASTERIO_EXTRA_ARG_CURRENT_VERSION
    extra.eResampleAlg = resampling.gdal
    let values = try [T](unsafeUninitializedCapacity: ow * oh * bands.count) { buffer, initialized in
      try lock.withLock {
        GDALRuntime.resetError()
        let status = GDALDatasetRasterIOEx(
          handle, GF_Read, Int32(window.x), Int32(window.y), Int32(window.width), Int32(window.height),
          buffer.baseAddress, Int32(ow), Int32(oh), T.rasterDataType.gdal, Int32(bands.count), &bandMap,
          Int64(size), Int64(size * ow), Int64(size * ow * oh), &extra)
        try GDALRuntime.check(status, "read \(window)", path)
      }
      initialized = ow * oh * bands.count
    }
    return RasterBuffer(width: ow, height: oh, bands: bands.count, values: values)
  }

  private func checkBands(_ bands: [Int]) throws {
    guard !bands.isEmpty else { throw RasterError.invalidArgument(path: path, message: "no bands requested") }
    for b in bands where b < 0 || b >= bandCount {
      throw RasterError.invalidArgument(path: path, message: "band \(b) does not exist (the file has \(bandCount))")
    }
  }
}

/// Resampling for reads at another size.
public enum Resampling: Sendable {
  case nearest, bilinear, cubic, average, mode

  var gdal: GDALRIOResampleAlg {
    switch self {
    case .nearest: return GRIORA_NearestNeighbour
    case .bilinear: return GRIORA_Bilinear
    case .cubic: return GRIORA_Cubic
    case .average: return GRIORA_Average
    case .mode: return GRIORA_Mode
    }
  }

  /// GDAL's name for overview resampling (`RESAMPLING=` of the COG driver).
  var gdalName: String {
    switch self {
    case .nearest: return "NEAREST"
    case .bilinear: return "BILINEAR"
    case .cubic: return "CUBIC"
    case .average: return "AVERAGE"
    case .mode: return "MODE"
    }
  }
}
