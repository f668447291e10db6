extension RasterDataset {
  /// Reads `window`, which may extend past the raster's edges (sliding windows at the border of
  /// a scene): pixels outside the raster are `fill`. Same bands and conversion as `read`.
  public func readBoundless<T: RasterElement>(
    _ type: T.Type = T.self, bands: [Int]? = nil, window: PixelWindow, fill: T
  ) throws -> RasterBuffer<T> {
    let bands = bands ?? Array(0..<bandCount)
    guard window.width > 0, window.height > 0 else {
      throw RasterError.invalidArgument(path: path, message: "empty window \(window)")
    }
    var out = RasterBuffer<T>(width: window.width, height: window.height, bands: bands.count, filledWith: fill)
    let x0 = max(0, window.x), y0 = max(0, window.y)
    let x1 = min(width, window.x + window.width), y1 = min(height, window.y + window.height)
    guard x1 > x0, y1 > y0 else { return out }
    let inside = try read(T.self, bands: bands, window: PixelWindow(x: x0, y: y0, width: x1 - x0, height: y1 - y0))
    for b in 0..<bands.count {
      for y in 0..<inside.height {
        let src = (b * inside.height + y) * inside.width
        let dst = (b * window.height + y0 - window.y + y) * window.width + x0 - window.x
        out.values.replaceSubrange(dst..<(dst + inside.width), with: inside.values[src..<(src + inside.width)])
      }
    }
    return out
  }
}
