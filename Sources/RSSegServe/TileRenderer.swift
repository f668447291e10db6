import Raster

/// Draws map tiles from the rasters through GDAL: decimated reads (overviews where the file has
/// them) of just the pixels a tile shows.
enum TileRenderer {
  /// The scene's `bands` (0-based: one for grey, three for red, green, blue), each stretched
  /// linearly between its `stretch` and 100 − `stretch` percentiles; nodata clear.
  static func scene(_ scene: ServedScene, tile: TileAddress, bands: [Int], stretch: Double) throws -> TileImage {
    var image = TileImage()
    let dataset = scene.tileSource
    guard let (source, target) = tile.placement(of: PixelWindow(x: 0, y: 0, width: dataset.width, height: dataset.height)) else {
      return image
    }
    let ranges = try bands.map { band -> (low: Float, scale: Float) in
      let statistics = try scene.statistics(band: band)
      let (low, high) = (statistics.percentile(stretch), statistics.percentile(100 - stretch))
      return (low, high > low ? 255 / (high - low) : 0)
    }
    let pixels = try dataset.read(Float.self, bands: bands, window: source, outWidth: target.width, outHeight: target.height)
    let nodata = bands.map { dataset.nodata[$0].map(Float.init) }
    let hasNodata = nodata.contains { $0 != nil }
    let plane = pixels.pixelCount
    pixels.values.withUnsafeBufferPointer { values in
      for row in 0..<target.height {
        for column in 0..<target.width {
          let p = row * target.width + column
          if hasNodata,
            nodata.indices.allSatisfy({ nodata[$0] == nil || values[$0 * plane + p] == nodata[$0] })
          {
            continue
          }
          func level(_ b: Int) -> UInt8 {
            UInt8(clamping: Int(((values[b * plane + p] - ranges[b].low) * ranges[b].scale).rounded()))
          }
          let (r, g, b) = bands.count == 3 ? (level(0), level(1), level(2)) : (level(0), level(0), level(0))
          image.set((target.y + row) * TileImage.side + target.x + column, red: r, green: g, blue: b)
        }
      }
    }
    return image
  }

  /// A byte raster placed over the scene pixels `area`, drawn through `colours`.
  static func bytes(_ raster: any ByteRaster, area: PixelWindow, tile: TileAddress, colours: ColourTable) throws -> TileImage {
    var image = TileImage()
    guard let (source, target) = tile.placement(of: area) else { return image }
    let values = try raster.bytes(source, outWidth: target.width, outHeight: target.height)
    image.paint(target, values: values, colours: colours)
    return image
  }
}
