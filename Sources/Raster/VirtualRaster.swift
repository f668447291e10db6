import CGDAL
import Foundation

/// GDAL VRTs made of other rasters placed side by side: the parts of a scene written by several
/// processes, one below the other (`stack`), or a large test scene of copies of a small one
/// (`write` with a grid of pieces). The VRT takes the first piece's georeferencing (shifted to
/// the VRT's corner) and each band's nodata, colour table, description and category names, so
/// it opens in QGIS as the whole scene would. Sources below the VRT's folder are stored
/// relative to it.
public enum VirtualRaster {
  /// A raster placed with its top-left pixel at (`x`, `y`) of the VRT; what lies beyond the
  /// VRT's right or bottom edge is left out.
  public struct Piece: Sendable {
    public var path: String
    public var x: Int
    public var y: Int

    public init(path: String, x: Int, y: Int) {
      self.path = path
      self.x = x
      self.y = y
    }
  }

  /// Writes the VRT of `parts` one below the other (the first on top), atomically.
  /// - Throws: `RasterError.invalidArgument` naming a part whose width, bands or data types
  ///   differ from the first's; `RasterError.gdal` when GDAL cannot open a part or write the VRT.
  public static func stack(parts: [String], to path: String) throws {
    let sources = try parts.map { try RasterDataset(path: $0) }
    guard let top = sources.first else { throw RasterError.invalidArgument(path: path, message: "a VRT needs at least one part") }
    for part in sources.dropFirst() where part.width != top.width || part.bandCount != top.bandCount || part.dataTypes != top.dataTypes {
      throw RasterError.invalidArgument(
        path: part.path, message: "its \(part.width) columns × \(part.bandCount) bands differ from \(top.path)'s \(top.width) × \(top.bandCount)")
    }
    var placed: [(RasterDataset, Int, Int)] = []
    var y = 0
    for part in sources {
      placed.append((part, 0, y))
      y += part.height
    }
    try write(placed, width: top.width, height: y, bands: Array(0..<top.bandCount), to: path)
  }

  /// Writes a `width` × `height` VRT of `bands` (0-based, all by default) of each piece, atomically.
  /// - Throws: `RasterError.invalidArgument` for a piece without those bands;
  ///   `RasterError.gdal` when GDAL cannot open a piece or write the VRT.
  public static func write(_ pieces: [Piece], width: Int, height: Int, bands: [Int]? = nil, to path: String) throws {
    var opened: [String: RasterDataset] = [:]
    for piece in pieces where opened[piece.path] == nil { opened[piece.path] = try RasterDataset(path: piece.path) }
    guard let first = pieces.first.flatMap({ opened[$0.path] }) else {
      throw RasterError.invalidArgument(path: path, message: "a VRT needs at least one piece")
    }
    try write(pieces.map { (opened[$0.path]!, $0.x, $0.y) }, width: width, height: height, bands: bands ?? Array(0..<first.bandCount), to: path)
  }

  private static func write(_ pieces: [(RasterDataset, Int, Int)], width: Int, height: Int, bands: [Int], to path: String) throws {
    GDALRuntime.ensure()
    let (top, x0, y0) = pieces[0]
    for (piece, _, _) in pieces where bands.contains(where: { $0 >= piece.bandCount }) {
      throw RasterError.invalidArgument(path: piece.path, message: "it has \(piece.bandCount) bands, the VRT takes bands \(bands.map { $0 + 1 })")
    }
    let output = AtomicOutput(path: path)
    GDALRuntime.resetError()
    guard let vrt = GDALCreate(GDALGetDriverByName("VRT"), output.temporaryPath, Int32(width), Int32(height), 0, GDT_Byte, nil) else {
      throw RasterError.gdal(operation: "create VRT", path: path, message: GDALRuntime.lastErrorMessage())
    }
    do {
      if let geo = top.geoReference?.window(x: -x0, y: -y0) {
        var transform = geo.geoTransform
        try GDALRuntime.check(GDALSetGeoTransform(vrt, &transform), "set the geotransform of", path)
        if !geo.crsWKT.isEmpty { try GDALRuntime.check(GDALSetProjection(vrt, geo.crsWKT), "set the CRS of", path) }
      }
      for (b, sourceBand) in bands.enumerated() {
        try GDALRuntime.check(GDALAddBand(vrt, top.dataTypes[sourceBand].gdal, nil), "add a band to", path)
        let band = GDALGetRasterBand(vrt, Int32(b + 1))
        try top.withBand(sourceBand) { source in
          if let nodata = top.nodata[sourceBand] { GDALSetRasterNoDataValue(band, nodata) }
          GDALSetDescription(band, GDALGetDescription(source))
          if let colours = GDALGetRasterColorTable(source) {
            GDALSetRasterColorTable(band, colours)
            GDALSetRasterColorInterpretation(band, GCI_PaletteIndex)
          }
          if let names = GDALGetRasterCategoryNames(source) { GDALSetRasterCategoryNames(band, names) }
        }
        for (piece, x, y) in pieces {
          let (w, h) = (min(piece.width, width - x), min(piece.height, height - y))
          guard w > 0, h > 0 else { continue }
          try piece.withBand(sourceBand) { source in
            try GDALRuntime.check(
              VRTAddSimpleSource(band, source, 0, 0, Int32(w), Int32(h), Int32(x), Int32(y), Int32(w), Int32(h), nil, VRT_NODATA_UNSET),
              "add \(piece.path) to", path)
          }
        }
      }
    } catch {
      GDALClose(vrt)
      output.discard()
      throw error
    }
    try output.close(vrt, operation: "write VRT")
    try output.commit()
  }
}
