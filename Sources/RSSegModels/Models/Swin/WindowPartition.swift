import Torch

// The window helpers of the official Swin code (window_partition, window_reverse and the
// shifted-window attention mask of BasicLayer.forward).

enum SwinWindows {
  /// `[B, H, W, C]` → `[B·nW, ws, ws, C]`, windows in row-major order (H and W multiples of ws).
  static func partition(_ x: Tensor, windowSize ws: Int) throws -> Tensor {
    let (b, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    return try x.view([b, h / ws, ws, w / ws, ws, c]).permute([0, 1, 3, 2, 4, 5]).contiguous().view([-1, ws, ws, c])
  }

  /// The inverse of `partition`: `[B·nW, ws, ws, C]` → `[B, H, W, C]`.
  static func reverse(_ windows: Tensor, windowSize ws: Int, height h: Int, width w: Int) throws -> Tensor {
    let b = windows.shape[0] / ((h / ws) * (w / ws))
    return try windows.view([b, h / ws, w / ws, ws, ws, -1]).permute([0, 1, 3, 2, 4, 5]).contiguous().view([b, h, w, -1])
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
