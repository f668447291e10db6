import Foundation
import Raster

/// A one-band byte raster tiles are drawn from: a band of an output file, or the class map of a
/// run still going.
protocol ByteRaster: Sendable {
  var width: Int { get }
  var height: Int { get }
  /// The values of `window`, resampled (nearest) to `outWidth` × `outHeight`, row-major.
  func bytes(_ window: PixelWindow, outWidth: Int, outHeight: Int) throws -> [UInt8]
}

/// Band `band` (0-based) of a raster file.
struct RasterBand: ByteRaster {
  let dataset: RasterDataset
  let band: Int

  var width: Int { dataset.width }
  var height: Int { dataset.height }

  func bytes(_ window: PixelWindow, outWidth: Int, outHeight: Int) throws -> [UInt8] {
    try dataset.read(UInt8.self, bands: [band], window: window, outWidth: outWidth, outHeight: outHeight).values
  }
}

/// The class map of a run in progress, filled as its blocks finish, kept at a resolution that
/// holds at most `maxSide` pixels a side (nearest): what the page paints while the run goes on.
final class LiveClassMap: ByteRaster, @unchecked Sendable {
  // @unchecked: `labels` is touched only under `lock`.
  static let unpainted: UInt8 = 255
  let width: Int
  let height: Int
  private let step: Int
  private let lock = NSLock()
  private var labels: [UInt8]

  init(width: Int, height: Int, maxSide: Int = 2048) {
    self.width = width
    self.height = height
    step = max(1, (max(width, height) + maxSide - 1) / maxSide)
    labels = [UInt8](repeating: Self.unpainted, count: ((width + step - 1) / step) * ((height + step - 1) / step))
  }

  private var columns: Int { (width + step - 1) / step }

  /// Records a finished block's labels (row-major, `window`'s size).
  func paint(_ window: PixelWindow, labels blockLabels: [UInt8]) {
    lock.withLock {
      for row in stride(from: (window.y + step - 1) / step * step, to: window.y + window.height, by: step) {
        for column in stride(from: (window.x + step - 1) / step * step, to: window.x + window.width, by: step) {
          labels[row / step * columns + column / step] = blockLabels[(row - window.y) * window.width + column - window.x]
        }
      }
    }
  }

  func bytes(_ window: PixelWindow, outWidth: Int, outHeight: Int) throws -> [UInt8] {
    lock.withLock {
      var out = [UInt8](repeating: Self.unpainted, count: outWidth * outHeight)
      for r in 0..<outHeight {
        let y = min(height - 1, window.y + r * window.height / outHeight) / step
        for c in 0..<outWidth {
          let x = min(width - 1, window.x + c * window.width / outWidth) / step
          out[r * outWidth + c] = labels[y * columns + x]
        }
      }
      return out
    }
  }
}
