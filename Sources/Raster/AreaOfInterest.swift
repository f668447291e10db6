import CGDAL

/// An area of interest from any vector file OGR reads (GeoPackage, GeoJSON, Shapefile, …): the
/// polygons of all its layers, reprojected to a scene's CRS, and which pixels of a window of that
/// scene lie outside them. Pixels are inside when their centre is (GDAL's rasterising rule).
public final class AreaOfInterest: @unchecked Sendable {
  // @unchecked: the geometries are read only, after init.
  public let path: String
  private let polygons: [OGRGeometryH]
  private let envelope: OGREnvelope
  private let geoTransform: [Double]

  /// Reads `path` and reprojects its polygons to the CRS of `scene`'s georeferencing.
  public init(path: String, scene: GeoReference?, scenePath: String) throws {
    GDALRuntime.ensure()
    self.path = path
    guard let scene, !scene.crsWKT.isEmpty else {
      throw RasterError.invalidArgument(path: scenePath, message: "has no CRS or geotransform, so an area of interest cannot be placed on it")
    }
    geoTransform = scene.geoTransform
    GDALRuntime.resetError()
    guard let dataset = GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, nil, nil) else {
      throw RasterError.invalidArgument(path: path, message: "not a vector file GDAL can read (\(GDALRuntime.lastErrorMessage()))")
    }
    defer { GDALClose(dataset) }
    guard let target = OSRNewSpatialReference(scene.crsWKT) else {
      throw RasterError.invalidArgument(path: scenePath, message: "its CRS cannot be read (\(GDALRuntime.lastErrorMessage()))")
    }
    defer { OSRDestroySpatialReference(target) }
    OSRSetAxisMappingStrategy(target, OAMS_TRADITIONAL_GIS_ORDER)

    var polygons: [OGRGeometryH] = []
    var envelope = OGREnvelope(MinX: .infinity, MaxX: -.infinity, MinY: .infinity, MaxY: -.infinity)
    do {
      for l in 0..<GDALDatasetGetLayerCount(dataset) {
        guard let layer = GDALDatasetGetLayer(dataset, l) else { continue }
        let layerName = String(cString: OGR_L_GetName(layer))
        guard let source = OGR_L_GetSpatialRef(layer) else {
          throw RasterError.invalidArgument(path: path, message: "layer '\(layerName)' has no CRS (give it one, e.g. a .prj beside a Shapefile)")
        }
        let transform = try Self.transformation(from: source, to: target, path: path)
        defer { OCTDestroyCoordinateTransformation(transform) }
        OGR_L_ResetReading(layer)
        while let feature = OGR_L_GetNextFeature(layer) {
          defer { OGR_F_Destroy(feature) }
          guard let shape = OGR_F_GetGeometryRef(feature) else { continue }
          let type = OGR_GT_Flatten(OGR_G_GetGeometryType(shape))
          guard type == wkbPolygon || type == wkbMultiPolygon else {
            throw RasterError.invalidArgument(
              path: path, message: "feature \(OGR_F_GetFID(feature)) of layer '\(layerName)' is a \(String(cString: OGRGeometryTypeToName(type))); an area of interest is made of polygons")
          }
          guard let polygon = OGR_G_Clone(shape) else { continue }
          polygons.append(polygon)
          guard OGR_G_Transform(polygon, transform) == OGRERR_NONE else {
            throw RasterError.invalidArgument(path: path, message: "feature \(OGR_F_GetFID(feature)) cannot be reprojected to the scene's CRS")
          }
          var e = OGREnvelope()
          OGR_G_GetEnvelope(polygon, &e)
          envelope = OGREnvelope(
            MinX: min(envelope.MinX, e.MinX), MaxX: max(envelope.MaxX, e.MaxX), MinY: min(envelope.MinY, e.MinY), MaxY: max(envelope.MaxY, e.MaxY))
        }
      }
    } catch {
      polygons.forEach { OGR_G_DestroyGeometry($0) }
      throw error
    }
    guard !polygons.isEmpty else {
      throw RasterError.invalidArgument(path: path, message: "holds no polygons")
    }
    self.polygons = polygons
    self.envelope = envelope
  }

  deinit { polygons.forEach { OGR_G_DestroyGeometry($0) } }

  private static func transformation(from source: OGRSpatialReferenceH, to target: OGRSpatialReferenceH, path: String) throws -> OGRCoordinateTransformationH {
    guard let sourceCopy = OSRClone(source) else {
      throw RasterError.invalidArgument(path: path, message: "its CRS cannot be read")
    }
    defer { OSRDestroySpatialReference(sourceCopy) }
    OSRSetAxisMappingStrategy(sourceCopy, OAMS_TRADITIONAL_GIS_ORDER)
    GDALRuntime.resetError()
    guard let transform = OCTNewCoordinateTransformation(sourceCopy, target) else {
      throw RasterError.invalidArgument(path: path, message: "its CRS cannot be transformed to the scene's (\(GDALRuntime.lastErrorMessage()))")
    }
    return transform
  }

  /// The window's pixels outside the area, row-major (`height × width`, true = outside).
  public func outside(_ window: PixelWindow) throws -> [Bool] {
    let g = geoTransform
    let (w, h) = (window.width, window.height)
    // The window's corners in the scene's CRS (north-up or not: take the extremes).
    let xs = [0, w].flatMap { c in [0, h].map { r in g[0] + Double(window.x + c) * g[1] + Double(window.y + r) * g[2] } }
    let ys = [0, w].flatMap { c in [0, h].map { r in g[3] + Double(window.x + c) * g[4] + Double(window.y + r) * g[5] } }
    if xs.max()! < envelope.MinX || xs.min()! > envelope.MaxX || ys.max()! < envelope.MinY || ys.min()! > envelope.MaxY {
      return [Bool](repeating: true, count: w * h)
    }
    guard let driver = GDALGetDriverByName("MEM"), let mask = GDALCreate(driver, "", Int32(w), Int32(h), 1, GDT_Byte, nil) else {
      throw RasterError.gdal(operation: "create an in-memory mask", path: path, message: GDALRuntime.lastErrorMessage())
    }
    defer { GDALClose(mask) }
    var local = g
    local[0] = g[0] + Double(window.x) * g[1] + Double(window.y) * g[2]
    local[3] = g[3] + Double(window.x) * g[4] + Double(window.y) * g[5]
    _ = local.withUnsafeMutableBufferPointer { GDALSetGeoTransform(mask, $0.baseAddress) }
    var bands: [Int32] = [1]
    var burn = [Double](repeating: 1, count: polygons.count)
    var shapes: [OGRGeometryH?] = polygons
    GDALRuntime.resetError()
    try GDALRuntime.check(
      GDALRasterizeGeometries(mask, 1, &bands, Int32(shapes.count), &shapes, nil, nil, &burn, nil, nil, nil),
      "rasterize the area of interest", path)
    var inside = [UInt8](repeating: 0, count: w * h)
    try GDALRuntime.check(
      GDALRasterIO(GDALGetRasterBand(mask, 1), GF_Read, 0, 0, Int32(w), Int32(h), &inside, Int32(w), Int32(h), GDT_Byte, 0, 0),
      "read the area-of-interest mask", path)
    return inside.map { $0 == 0 }
  }
}
