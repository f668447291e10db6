import Raster

/// A 256-pixel map tile over a scene's pixel grid: at zoom 0 a tile pixel is a scene pixel, at
/// zoom −k it covers 2^k × 2^k scene pixels (the page lets Leaflet enlarge tiles past zoom 0).
/// Column `x` and row `y` count tiles from the scene's top-left corner.
struct TileAddress: Hashable, Sendable, CustomStringConvertible {
  static let size = 256

  let z: Int
  let x: Int
  let y: Int

  /// Parses and checks `z/x/y` against a scene of `width` × `height` pixels.
  /// - Throws: `RequestError` (400) for a malformed number, a zoom outside `minimumZoom...0` or
  ///   a tile past the scene's edge.
  init(z: String, x: String, y: String, width: Int, height: Int) throws {
    guard let z = Int(z), let x = Int(x), let y = Int(y) else {
      throw RequestError.badRequest("tile coordinates must be integers, not \(z)/\(x)/\(y)")
    }
    let minimumZoom = -Self.levels(toFit: max(width, height))
    guard (minimumZoom...0).contains(z) else { throw RequestError.badRequest("zoom \(z) is outside \(minimumZoom)...0") }
    self.z = z
    self.x = x
    self.y = y
    let span = Self.size * scale
    guard x >= 0, y >= 0, x * span < width, y * span < height else {
      throw RequestError.badRequest("tile \(z)/\(x)/\(y) is outside the \(width)×\(height) scene")
    }
  }

  /// The number of halvings that bring `side` pixels within one tile.
  static func levels(toFit side: Int) -> Int {
    var levels = 0
    while size << levels < side { levels += 1 }
    return levels
  }

  /// Scene pixels per tile pixel along each axis.
  var scale: Int { 1 << -z }

  var description: String { "\(z)/\(x)/\(y)" }

  /// Where a raster covering the scene pixels `area` shows in this tile: the window of the raster
  /// to read (in its own pixels) and the tile pixels it fills; nil when it misses the tile.
  func placement(of area: PixelWindow) -> (source: PixelWindow, target: PixelWindow)? {
    let span = Self.size * scale
    let (tx, ty) = (x * span, y * span)
    let left = max(tx, area.x), top = max(ty, area.y)
    let right = min(tx + span, area.x + area.width), bottom = min(ty + span, area.y + area.height)
    guard left < right, top < bottom else { return nil }
    let source = PixelWindow(x: left - area.x, y: top - area.y, width: right - left, height: bottom - top)
    let (x0, y0) = ((left - tx) / scale, (top - ty) / scale)
    let (x1, y1) = ((right - tx + scale - 1) / scale, (bottom - ty + scale - 1) / scale)
    return (source, PixelWindow(x: x0, y: y0, width: max(1, x1 - x0), height: max(1, y1 - y0)))
  }
}
