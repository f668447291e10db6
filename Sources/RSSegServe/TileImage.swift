import Raster
import RSSegModels

/// A tile's RGBA pixels, four planes of `TileAddress.size`², transparent where nothing is drawn.
struct TileImage {
  static let side = TileAddress.size
  private(set) var pixels = [UInt8](repeating: 0, count: 4 * side * side)

  /// Paints the tile pixels of `target` from `values` (row-major, `target`'s size) through `colours`.
  mutating func paint(_ target: PixelWindow, values: [UInt8], colours: ColourTable) {
    let plane = Self.side * Self.side
    for row in 0..<target.height {
      for column in 0..<target.width {
        let colour = colours.entries[Int(values[row * target.width + column])]
        let i = (target.y + row) * Self.side + target.x + column
        pixels[i] = colour.red
        pixels[plane + i] = colour.green
        pixels[2 * plane + i] = colour.blue
        pixels[3 * plane + i] = colour.alpha
      }
    }
  }

  /// Paints the tile pixel at index `i` of a plane.
  mutating func set(_ i: Int, red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255) {
    let plane = Self.side * Self.side
    pixels[i] = red
    pixels[plane + i] = green
    pixels[2 * plane + i] = blue
    pixels[3 * plane + i] = alpha
  }

  /// The tile as a PNG file (fast compression: tiles are made on demand).
  func png() throws -> [UInt8] {
    try PNGWriter.encode(RasterBuffer(width: Self.side, height: Self.side, bands: 4, values: pixels), level: 1)
  }
}

/// The colour of each byte value of a raster drawn on the map.
struct ColourTable: Sendable {
  struct Entry: Sendable, Equatable {
    var red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8
  }

  static let clear = Entry(red: 0, green: 0, blue: 0, alpha: 0)
  let entries: [Entry]

  /// Class indices in their palette colours; classes in `hidden`, other values (nodata 255) clear.
  static func classes(_ palette: [RGB], hidden: Set<Int> = []) -> ColourTable {
    ColourTable(entries: (0..<256).map { v in
      guard v < palette.count, !hidden.contains(v) else { return clear }
      return Entry(red: palette[v].red, green: palette[v].green, blue: palette[v].blue, alpha: 255)
    })
  }

  /// Probabilities stored as p × 254 (255 nodata) on a dark-to-bright ramp (inferno's stops),
  /// fading out towards 0 so the scene shows through where the class is unlikely.
  static let probability: ColourTable = {
    let stops: [(Double, Double, Double)] = [(0, 0, 4), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164)]
    return ColourTable(entries: (0..<256).map { v in
      guard v < 255 else { return clear }
      let t = Double(v) / 254 * Double(stops.count - 1)
      let (i, f) = (min(Int(t), stops.count - 2), t - Double(min(Int(t), stops.count - 2)))
      func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8((a + (b - a) * f).rounded()) }
      let (a, b) = (stops[i], stops[i + 1])
      return Entry(red: mix(a.0, b.0), green: mix(a.1, b.1), blue: mix(a.2, b.2), alpha: UInt8(min(255, 40 + v * 215 / 254)))
    })
  }()
}
