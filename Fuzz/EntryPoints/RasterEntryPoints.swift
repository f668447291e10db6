import Foundation
import Raster

/// Images through the Raster layer: open (no side files), then decode a window of the first bands.
enum RasterEntryPoints {
  /// Decoded window side: enough to run the decoder over several blocks, bounded in memory.
  static let windowSide = 96
  static let maxBands = 4

  static func raster(_ bytes: UnsafeRawBufferPointer) throws {
    let dataset = try RasterDataset(path: try ScratchFile.write(bytes, for: .raster), probeSiblings: false)
    let window = PixelWindow(x: 0, y: 0, width: min(dataset.width, windowSide), height: min(dataset.height, windowSide))
    let bands = Array(0..<min(dataset.bandCount, maxBands))
    let pixels = try dataset.read(Float.self, bands: bands, window: window)
    guard pixels.values.count == window.width * window.height * bands.count else {
      throw FuzzInvariantError(message: "read \(pixels.values.count) values for \(window) × \(bands.count) bands")
    }
    _ = try dataset.colorTable()
  }
}
