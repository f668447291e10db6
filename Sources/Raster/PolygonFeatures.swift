import Foundation
import CGDAL

/// The polygons of a vector file as a GeoJSON FeatureCollection in the file's own CRS (no
/// reprojection), with the `class_id` and `class_name` fields `ClassPolygons` writes: for a map
/// viewer that places them with the scene's geotransform.
public enum PolygonFeatures {
  /// The features of the first layer of `path`, at most `limit` of them.
  /// - Throws: `RasterError.invalidArgument` when the file is not a vector file or holds more
  ///   than `limit` features.
  public static func geoJSON(path: String, limit: Int) throws -> String {
    GDALRuntime.ensure()
    GDALRuntime.resetError()
    guard let dataset = GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, nil, nil) else {
      throw RasterError.invalidArgument(path: path, message: "not a vector file GDAL can read (\(GDALRuntime.lastErrorMessage()))")
    }
    defer { GDALClose(dataset) }
    guard GDALDatasetGetLayerCount(dataset) > 0, let layer = GDALDatasetGetLayer(dataset, 0) else {
      throw RasterError.invalidArgument(path: path, message: "has no layer")
    }
    let count = OGR_L_GetFeatureCount(layer, 1)
    guard count <= limit else { throw RasterError.invalidArgument(path: path, message: "has \(count) features, more than \(limit)") }
    let definition = OGR_L_GetLayerDefn(layer)
    let classID = OGR_FD_GetFieldIndex(definition, "class_id")
    let className = OGR_FD_GetFieldIndex(definition, "class_name")
    var features: [String] = []
    OGR_L_ResetReading(layer)
    while let feature = OGR_L_GetNextFeature(layer) {
      defer { OGR_F_Destroy(feature) }
      guard let geometry = OGR_F_GetGeometryRef(feature), let json = OGR_G_ExportToJson(geometry) else { continue }
      defer { VSIFree(json) }
      let id = classID >= 0 ? Int(OGR_F_GetFieldAsInteger(feature, classID)) : 0
      let name = className >= 0 ? String(cString: OGR_F_GetFieldAsString(feature, className)) : ""
      features.append(#"{"type":"Feature","properties":{"class_id":\#(id),"class_name":\#(jsonString(name))},"geometry":\#(String(cString: json))}"#)
    }
    return #"{"type":"FeatureCollection","features":[\#(features.joined(separator: ","))]}"#
  }

  private static func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
