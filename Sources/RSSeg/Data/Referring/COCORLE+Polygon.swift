import Foundation
import RSSegModels

/// Polygons rasterised exactly like pycocotools (`rleFrPoly` in its `maskApi.c`): the outline is
/// upsampled 5×, traced densely with rounding, its crossings with the pixel-centre columns are
/// found, and the runs between them filled. Ported step for step, so masks agree bit for bit.
extension COCORLE {
  /// - Parameter polygon: x0, y0, x1, y1, … in pixels (at least 3 points).
  /// - Throws: `DataError.badSample` naming `source` for an odd number of values, fewer than 3
  ///   points, or coordinates that are not finite or lie more than one image size outside it.
  public init(height h: Int, width w: Int, polygon xy: [Double], source: String) throws {
    try Self.checkSize(height: h, width: w, source: source)
    guard xy.count % 2 == 0, xy.count >= 6 else {
      throw DataError.badSample(
        path: source, problem: "polygon has \(xy.count) coordinate(s); expected an even count of at least 6 (3 points)")
    }
    for (i, v) in xy.enumerated() {
      let extent = Double(i % 2 == 0 ? w : h)
      guard v.isFinite, v >= -extent, v <= 2 * extent else {
        throw DataError.badSample(
          path: source, problem: "polygon \(i % 2 == 0 ? "x" : "y") coordinate \(v) (point \(i / 2)) is outside the \(w)×\(h) image by more than its size")
      }
    }
    // The traced outline has max(|dx|, |dy|) + 1 points per upsampled edge: bound it before tracing.
    var points = 0
    for j in 0..<(xy.count / 2) {
      let k = (j + 1) % (xy.count / 2)
      points += Int(max(abs(xy[2 * k] - xy[2 * j]), abs(xy[2 * k + 1] - xy[2 * j + 1])) * 5) + 2
    }
    guard points <= Self.maxOutlinePoints else {
      throw DataError.badSample(
        path: source, problem: "polygon outline is too long (\(points) traced points, limit \(Self.maxOutlinePoints))")
    }
    let counts = Self.polygonCounts(xy, height: h, width: w)
    try self.init(height: h, width: w, counts: counts, source: source)
  }

  /// Longest traced outline accepted (points at 5× upsampling): real outlines are far shorter.
  static let maxOutlinePoints = 10_000_000

  private static func polygonCounts(_ xy: [Double], height h: Int, width w: Int) -> [Int] {
    let scale = 5.0
    let k = xy.count / 2
    // Upsample and get discrete points densely along the entire boundary.
    var x = [Int](repeating: 0, count: k + 1)
    var y = [Int](repeating: 0, count: k + 1)
    for j in 0..<k {
      x[j] = Int(scale * xy[2 * j] + 0.5)  // C's (int): truncation toward zero
      y[j] = Int(scale * xy[2 * j + 1] + 0.5)
    }
    x[k] = x[0]
    y[k] = y[0]
    var u: [Int] = []
    var v: [Int] = []
    for j in 0..<k {
      var (xs, xe, ys, ye) = (x[j], x[j + 1], y[j], y[j + 1])
      let dx = abs(xe - xs), dy = abs(ys - ye)
      if dx == 0 && dy == 0 {
        // C computes 0/0 here; the point's row is never read because its column equals both
        // neighbours' columns, so any value will do.
        u.append(xs)
        v.append(ys)
        continue
      }
      let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye)
      if flip {
        swap(&xs, &xe)
        swap(&ys, &ye)
      }
      if dx >= dy {
        let s = Double(ye - ys) / Double(dx)
        for d in 0...dx {
          let t = flip ? dx - d : d
          u.append(t + xs)
          v.append(Int(Double(ys) + s * Double(t) + 0.5))
        }
      } else {
        let s = Double(xe - xs) / Double(dy)
        for d in 0...dy {
          let t = flip ? dy - d : d
          v.append(t + ys)
          u.append(Int(Double(xs) + s * Double(t) + 0.5))
        }
      }
    }
    // Get points along the y-boundary and downsample.
    var boundary: [Int] = []
    for j in 1..<max(1, u.count) where u[j] != u[j - 1] {
      var xd = Double(u[j] < u[j - 1] ? u[j] : u[j] - 1)
      xd = (xd + 0.5) / scale - 0.5
      if Foundation.floor(xd) != xd || xd < 0 || xd > Double(w - 1) { continue }
      var yd = Double(v[j] < v[j - 1] ? v[j] : v[j - 1])
      yd = (yd + 0.5) / scale - 0.5
      if yd < 0 { yd = 0 } else if yd > Double(h) { yd = Double(h) }
      yd = Foundation.ceil(yd)
      boundary.append(Int(xd) * h + Int(yd))
    }
    // Runs between the sorted boundary positions; empty runs merge their neighbours.
    boundary.append(h * w)
    boundary.sort()
    var previous = 0
    for j in boundary.indices {
      let t = boundary[j]
      boundary[j] -= previous
      previous = t
    }
    var counts = [boundary[0]]
    var j = 1
    while j < boundary.count {
      if boundary[j] > 0 {
        counts.append(boundary[j])
        j += 1
      } else {
        j += 1
        if j < boundary.count {
          counts[counts.count - 1] += boundary[j]
          j += 1
        }
      }
    }
    return counts
  }
}
