/// Pixels of one or more bands, band-sequential (all of band 0, then band 1, …; each band
/// row-major), the layout of a C×H×W tensor. A plain value: safe to hand between threads.
public struct RasterBuffer<Element: RasterElement>: Sendable, Equatable {
  public var width: Int
  public var height: Int
  public var bands: Int
  /// `bands × height × width` values.
  public var values: [Element]

  public init(width: Int, height: Int, bands: Int, values: [Element]) {
    precondition(values.count == width * height * bands, "RasterBuffer: \(values.count) values for \(bands)×\(height)×\(width)")
    self.width = width
    self.height = height
    self.bands = bands
    self.values = values
  }

  /// A buffer filled with `value`.
  public init(width: Int, height: Int, bands: Int, filledWith value: Element) {
    self.init(width: width, height: height, bands: bands, values: [Element](repeating: value, count: width * height * bands))
  }

  /// The value of `band` at (`x`, `y`).
  @inlinable public subscript(band: Int, y: Int, x: Int) -> Element {
    get { values[(band * height + y) * width + x] }
    set { values[(band * height + y) * width + x] = newValue }
  }

  public var pixelCount: Int { width * height }
}

/// A rectangle of pixels: `x`, `y` of the top-left corner, `width` × `height`.
public struct PixelWindow: Sendable, Equatable, Hashable, CustomStringConvertible {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int

  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = width
    self.height = height
  }

  public var description: String { "\(width)×\(height)+\(x)+\(y)" }

  /// Whether the window lies inside a `width` × `height` raster.
  public func isInside(width w: Int, height h: Int) -> Bool {
    x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= w && y + height <= h
  }
}
