/// The vector formats rsseg writes polygons in, through GDAL/OGR drivers.
public enum VectorFormat: String, Sendable, CaseIterable {
  /// GeoPackage: one SQLite file; keeps the layer's metadata.
  case gpkg
  /// GeoJSON (the CRS in its "crs" member when not WGS 84).
  case geojson
  /// ESRI Shapefile: `.shp` with its `.shx`, `.dbf`, `.prj` and `.cpg` beside it.
  case shp

  /// The file name extension (without the dot).
  public var fileExtension: String { rawValue }

  /// GDAL's driver name.
  var driver: String {
    switch self {
    case .gpkg: return "GPKG"
    case .geojson: return "GeoJSON"
    case .shp: return "ESRI Shapefile"
    }
  }

  /// Extensions of the files the format writes beside the main one.
  var companionExtensions: [String] { self == .shp ? ["shx", "dbf", "prj", "cpg"] : [] }

  /// Layer creation options: the layer's description where the format keeps one, UTF-8 text.
  func layerOptions(description: String) -> [String: String] {
    switch self {
    case .gpkg, .geojson: return ["DESCRIPTION": description]
    case .shp: return ["ENCODING": "UTF-8"]
    }
  }
}
