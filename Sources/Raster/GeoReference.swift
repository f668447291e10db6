import CGDAL

/// Where a raster lies on Earth: GDAL's affine geotransform and the CRS as WKT.
///
/// Geotransform: x_geo = t[0] + col·t[1] + row·t[2], y_geo = t[3] + col·t[4] + row·t[5].
public struct GeoReference: Sendable, Equatable {
  public var geoTransform: [Double]
  /// The coordinate reference system as WKT ("" when the file has none).
  public var crsWKT: String

  public init(geoTransform: [Double], crsWKT: String) {
    precondition(geoTransform.count == 6, "a geotransform has 6 coefficients")
    self.geoTransform = geoTransform
    self.crsWKT = crsWKT
  }

  /// The georeference of the window starting at pixel (`x`, `y`), each output pixel covering
  /// `scale` input pixels (scale 2 = half resolution).
  public func window(x: Int, y: Int, scale: Double = 1) -> GeoReference {
    let t = geoTransform
    return GeoReference(
      geoTransform: [
        t[0] + Double(x) * t[1] + Double(y) * t[2], t[1] * scale, t[2] * scale,
        t[3] + Double(x) * t[4] + Double(y) * t[5], t[4] * scale, t[5] * scale,
      ],
      crsWKT: crsWKT)
  }
}

extension GeoReference {
  /// The CRS's name and authority code ("WGS 84 / UTM zone 14N (EPSG:32614)"); nil without a
  /// readable CRS.
  public var crsName: String? {
    guard !crsWKT.isEmpty else { return nil }
    GDALRuntime.ensure()
    guard let srs = OSRNewSpatialReference(crsWKT) else { return nil }
    defer { OSRDestroySpatialReference(srs) }
    let name = OSRGetName(srs).map { String(cString: $0) } ?? "unnamed CRS"
    _ = OSRAutoIdentifyEPSG(srs)
    guard let authority = OSRGetAuthorityName(srs, nil), let code = OSRGetAuthorityCode(srs, nil) else { return name }
    return "\(name) (\(String(cString: authority)):\(String(cString: code)))"
  }
}
