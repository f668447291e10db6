import CGDAL
import Foundation

// What gdalinfo and ogrinfo would show of rsseg's outputs, read straight through GDAL's C API
// as a GIS would read them (PAM on, so `.aux.xml` sidecars count), not through rsseg's Raster
// layer: the tests check the files, not the code that wrote them.

public struct InspectionError: Error, CustomStringConvertible {
  public let description: String
}

private func withPAM<R>(_ body: () throws -> R) rethrows -> R {
  GDALAllRegister()
  CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", "YES")
  defer { CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", nil) }
  return try body()
}

private func strings(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
  guard let list else { return [] }
  var result: [String] = []
  var i = 0
  while let item = list[i] {
    result.append(String(cString: item))
    i += 1
  }
  return result
}

/// A GDAL metadata list (`KEY=VALUE` items) as a dictionary.
private func keyValues(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String: String] {
  strings(list).reduce(into: [String: String]()) { result, item in
    let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
    result[parts[0]] = parts.count > 1 ? parts[1] : ""
  }
}

/// gdalinfo of a raster.
public struct RasterInfo {
  public let width: Int, height: Int, bandCount: Int
  /// IMAGE_STRUCTURE metadata of the dataset (LAYOUT=COG, COMPRESSION=…).
  public let imageStructure: [String: String]
  public let blockSize: [Int]
  public let overviewCount: Int
  public let bandDescriptions: [String]
  /// Band 1's category names and raster attribute table.
  public let categoryNames: [String]
  public let attributeTable: AttributeTable?
  public let crsWKT: String

  public init(path: String) throws {
    let info: RasterInfo? = withPAM {
      guard let dataset = GDALOpenEx(path, UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY), nil, nil, nil) else { return nil }
      defer { GDALClose(dataset) }
      let band = GDALGetRasterBand(dataset, 1)
      var (bw, bh): (Int32, Int32) = (0, 0)
      GDALGetBlockSize(band, &bw, &bh)
      // GDAL 3.6's GeoTIFF band loads its sidecar on the first attribute-table request only.
      let table = GDALGetDefaultRAT(band).map(AttributeTable.init)
      let structure = keyValues(GDALGetMetadata(dataset, "IMAGE_STRUCTURE"))
      return RasterInfo(
        width: Int(GDALGetRasterXSize(dataset)), height: Int(GDALGetRasterYSize(dataset)), bandCount: Int(GDALGetRasterCount(dataset)),
        imageStructure: structure, blockSize: [Int(bw), Int(bh)], overviewCount: Int(GDALGetOverviewCount(band)),
        bandDescriptions: (1...Int(GDALGetRasterCount(dataset))).map { String(cString: GDALGetDescription(GDALGetRasterBand(dataset, Int32($0)))) },
        categoryNames: strings(GDALGetRasterCategoryNames(band)), attributeTable: table,
        crsWKT: GDALGetProjectionRef(dataset).map { String(cString: $0) } ?? "")
    }
    guard let info else { throw InspectionError(description: "GDAL cannot open \(path)") }
    self = info
  }

  private init(
    width: Int, height: Int, bandCount: Int, imageStructure: [String: String], blockSize: [Int], overviewCount: Int,
    bandDescriptions: [String], categoryNames: [String], attributeTable: AttributeTable?, crsWKT: String
  ) {
    (self.width, self.height, self.bandCount) = (width, height, bandCount)
    self.imageStructure = imageStructure
    self.blockSize = blockSize
    self.overviewCount = overviewCount
    self.bandDescriptions = bandDescriptions
    self.categoryNames = categoryNames
    self.attributeTable = attributeTable
    self.crsWKT = crsWKT
  }
}

/// A raster attribute table: column names with GDAL's usage names ("MinMax", "Name", "Red", …), rows as text.
public struct AttributeTable {
  public let columns: [(name: String, usage: String)]
  public let rows: [[String]]
  public let thematic: Bool

  init(_ table: GDALRasterAttributeTableH) {
    let usages = [GFU_MinMax: "MinMax", GFU_Name: "Name", GFU_Red: "Red", GFU_Green: "Green", GFU_Blue: "Blue", GFU_Alpha: "Alpha"]
    columns = (0..<GDALRATGetColumnCount(table)).map { c in
      (String(cString: GDALRATGetNameOfCol(table, c)), usages[GDALRATGetUsageOfCol(table, c)] ?? "Generic")
    }
    rows = (0..<GDALRATGetRowCount(table)).map { r in
      (0..<GDALRATGetColumnCount(table)).map { c in String(cString: GDALRATGetValueAsString(table, r, c)) }
    }
    thematic = GDALRATGetTableType(table) == GRTT_THEMATIC
  }
}

/// ogrinfo of a vector file's first layer, every feature included.
public struct VectorInfo {
  public struct Feature {
    public let fields: [String: String]
    /// The polygon's area in CRS units².
    public let geometryArea: Double
    public let geometryType: String
    public let isValid: Bool
  }

  public let driver: String
  public let layerCount: Int
  public let layerName: String
  public let fieldNames: [String]
  public let fieldTypes: [String]
  public let crsWKT: String?
  public let metadata: [String: String]
  public let features: [Feature]

  public init(path: String) throws {
    GDALAllRegister()
    guard let dataset = GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, nil, nil) else {
      throw InspectionError(description: "OGR cannot open \(path)")
    }
    defer { GDALClose(dataset) }
    guard let layer = GDALDatasetGetLayer(dataset, 0) else { throw InspectionError(description: "\(path) has no layer") }
    driver = String(cString: GDALGetDriverShortName(GDALGetDatasetDriver(dataset)))
    layerCount = Int(GDALDatasetGetLayerCount(dataset))
    layerName = String(cString: OGR_L_GetName(layer))
    let definition = OGR_L_GetLayerDefn(layer)
    let fieldCount = OGR_FD_GetFieldCount(definition)
    fieldNames = (0..<fieldCount).map { String(cString: OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(definition, $0))) }
    fieldTypes = (0..<fieldCount).map { String(cString: OGR_GetFieldTypeName(OGR_Fld_GetType(OGR_FD_GetFieldDefn(definition, $0)))) }
    crsWKT = OGR_L_GetSpatialRef(layer).map { srs in
      var wkt: UnsafeMutablePointer<CChar>? = nil
      OSRExportToWkt(srs, &wkt)
      defer { VSIFree(wkt) }
      return wkt.map { String(cString: $0) } ?? ""
    }
    metadata = keyValues(GDALGetMetadata(layer, nil))
    var features: [Feature] = []
    OGR_L_ResetReading(layer)
    while let feature = OGR_L_GetNextFeature(layer) {
      defer { OGR_F_Destroy(feature) }
      var fields: [String: String] = [:]
      for (i, name) in fieldNames.enumerated() { fields[name] = String(cString: OGR_F_GetFieldAsString(feature, Int32(i))) }
      let geometry = OGR_F_GetGeometryRef(feature)
      features.append(
        Feature(
          fields: fields, geometryArea: geometry.map { OGR_G_Area($0) } ?? 0,
          geometryType: geometry.map { String(cString: OGR_G_GetGeometryName($0)) } ?? "",
          isValid: geometry.map { OGR_G_IsValid($0) != 0 } ?? false))
    }
    self.features = features
  }
}

/// Whether two WKT strings describe the same CRS (OSRIsSame).
public func sameCRS(_ a: String, _ b: String) -> Bool {
  let (x, y) = (OSRNewSpatialReference(a), OSRNewSpatialReference(b))
  defer {
    OSRDestroySpatialReference(x)
    OSRDestroySpatialReference(y)
  }
  return x != nil && y != nil && OSRIsSame(x, y) != 0
}
