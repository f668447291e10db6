/// A palette for single-band uint8 rasters: entry i is the colour of value i.
public struct ColorTable: Sendable, Equatable {
  public struct Entry: Sendable, Equatable, Hashable {
    public var red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8
    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8, alpha: UInt8 = 255) {
      self.red = red
      self.green = green
      self.blue = blue
      self.alpha = alpha
    }
  }

  public var entries: [Entry]

  public init(_ entries: [Entry]) { self.entries = entries }

  /// A palette from (r, g, b) triples.
  public init(rgb: [(UInt8, UInt8, UInt8)]) { self.entries = rgb.map { Entry($0.0, $0.1, $0.2) } }
}
