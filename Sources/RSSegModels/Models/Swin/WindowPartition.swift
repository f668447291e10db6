import Torch

// The window helpers of the official Swin code (window_partition and window_reverse with the
// padding and cyclic shift of SwinTransformerBlock.forward, as one row map; the shifted-window
// attention mask of BasicLayer.forward).

enum SwinWindows {
  /// `n` rounded up to a multiple of the window `ws`: the official bottom/right padding.
  static func padded(_ n: Int, to ws: Int) -> Int { (n + ws - 1) / ws * ws }

  /// The row map from the tokens `[B·H·W, C]` of `batch` `height`×`width` maps to the windows
  /// `[B·nW·ws², C]` of the maps padded at bottom/right to window multiples and rolled by
  /// −`shift` (the official pad, roll and window_partition): windows in row-major order, positions
  /// of the padding as holes (zero rows).
  static func rowMap(batch: Int, height h: Int, width w: Int, windowSize ws: Int, shift: Int, device: Device) throws -> RowMap {
    let (hp, wp) = (padded(h, to: ws), padded(w, to: ws))
    var index = [Int64]()
    index.reserveCapacity(batch * hp * wp)
    for b in 0..<batch {
      for wy in 0..<(hp / ws) {
        for wx in 0..<(wp / ws) {
          for i in 0..<(ws * ws) {
            // roll(−shift): position Y of the rolled map holds position (Y + shift) mod hp.
            let y = (wy * ws + i / ws + shift) % hp
            let x = (wx * ws + i % ws + shift) % wp
            index.append(y < h && x < w ? Int64((b * h + y) * w + x) : -1)
          }
        }
      }
    }
    return try RowMap(index: index, sourceRows: batch * h * w, device: device)
  }

  /// The attention mask of shifted windows on a padded `height`×`width` map (multiples of the
  /// window): `[nW, ws², ws²]` float32, 0 where two positions of a window came from the same
  /// region before the cyclic shift and −100 where they did not.
  static func shiftMask(height: Int, width: Int, windowSize ws: Int, shift: Int, device: Device) throws -> Tensor {
    // Region of a coordinate: [0, n−ws), [n−ws, n−shift), [n−shift, n), as the official slices.
    func region(_ i: Int, _ n: Int) -> Int { i < n - ws ? 0 : (i < n - shift ? 1 : 2) }
    let (rows, cols) = (height / ws, width / ws)
    let n = ws * ws
    var values = [Float](repeating: 0, count: rows * cols * n * n)
    for wy in 0..<rows {
      for wx in 0..<cols {
        let labels = (0..<n).map { p in
          region(wy * ws + p / ws, height) * 3 + region(wx * ws + p % ws, width)
        }
        let base = (wy * cols + wx) * n * n
        for i in 0..<n {
          for j in 0..<n where labels[i] != labels[j] { values[base + i * n + j] = -100 }
        }
      }
    }
    return try Tensor(values, shape: [rows * cols, n, n]).to(device)
  }

  /// The official `relative_position_index`: `[ws², ws²]` int64 indices into the
  /// `(2ws−1)²`-row bias table for every pair of positions in a window.
  static func relativePositionIndex(windowSize ws: Int) throws -> Tensor {
    let n = ws * ws
    var index = [Int64](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n {
        let dy = i / ws - j / ws + ws - 1
        let dx = i % ws - j % ws + ws - 1
        index[i * n + j] = Int64(dy * (2 * ws - 1) + dx)
      }
    }
    return try Tensor(index, shape: [n, n])
  }
}

/// One stage's windows for one input size: the row maps of its regular and shifted blocks and the
/// shifted blocks' attention mask.
public struct SwinWindowing {
  public let batch: Int
  public let height: Int
  public let width: Int
  public let windowSize: Int
  /// The shifted blocks' cyclic shift: half the window, as the official BasicLayer sets it.
  public var shift: Int { windowSize / 2 }
  let regular: RowMap
  let shifted: RowMap
  /// `[nW, ws², ws²]` (`SwinWindows.shiftMask`).
  let mask: Tensor

  public init(batch: Int, height: Int, width: Int, windowSize ws: Int, device: Device) throws {
    let (hp, wp) = (SwinWindows.padded(height, to: ws), SwinWindows.padded(width, to: ws))
    (self.batch, self.height, self.width, windowSize) = (batch, height, width, ws)
    regular = try SwinWindows.rowMap(batch: batch, height: height, width: width, windowSize: ws, shift: 0, device: device)
    shifted = try SwinWindows.rowMap(batch: batch, height: height, width: width, windowSize: ws, shift: ws / 2, device: device)
    mask = try SwinWindows.shiftMask(height: hp, width: wp, windowSize: ws, shift: ws / 2, device: device)
  }
}
