import CGDAL

/// Pixel data types (GDAL's real-valued ones).
public enum RasterDataType: String, Sendable, CaseIterable, CustomStringConvertible {
  case uint8, uint16, int16, uint32, int32, uint64, int64, float32, float64

  init?(gdal: GDALDataType) {
    switch gdal {
    case GDT_Byte: self = .uint8
    case GDT_UInt16: self = .uint16
    case GDT_Int16: self = .int16
    case GDT_UInt32: self = .uint32
    case GDT_Int32: self = .int32
    case GDT_UInt64: self = .uint64
    case GDT_Int64: self = .int64
    case GDT_Float32: self = .float32
    case GDT_Float64: self = .float64
    default: return nil
    }
  }

  var gdal: GDALDataType {
    switch self {
    case .uint8: return GDT_Byte
    case .uint16: return GDT_UInt16
    case .int16: return GDT_Int16
    case .uint32: return GDT_UInt32
    case .int32: return GDT_Int32
    case .uint64: return GDT_UInt64
    case .int64: return GDT_Int64
    case .float32: return GDT_Float32
    case .float64: return GDT_Float64
    }
  }

  /// Bytes per pixel value.
  public var size: Int { Int(GDALGetDataTypeSizeBytes(gdal)) }
  public var description: String { rawValue }
}

/// Swift types that raster values can be read into and written from.
public protocol RasterElement: Sendable, Numeric {
  static var rasterDataType: RasterDataType { get }
}
extension UInt8: RasterElement { public static var rasterDataType: RasterDataType { .uint8 } }
extension UInt16: RasterElement { public static var rasterDataType: RasterDataType { .uint16 } }
extension Int16: RasterElement { public static var rasterDataType: RasterDataType { .int16 } }
extension UInt32: RasterElement { public static var rasterDataType: RasterDataType { .uint32 } }
extension Int32: RasterElement { public static var rasterDataType: RasterDataType { .int32 } }
extension Int64: RasterElement { public static var rasterDataType: RasterDataType { .int64 } }
extension Float: RasterElement { public static var rasterDataType: RasterDataType { .float32 } }
extension Double: RasterElement { public static var rasterDataType: RasterDataType { .float64 } }
