import RSSegModels

/// Image filters of `LabeledImage.resized`, as PIL defines them (antialiased when shrinking).
public enum ImageFilter: Sendable {
  /// Keys' cubic, a = −0.5 (PIL's BICUBIC).
  case bicubic
  /// Triangle (PIL's BILINEAR; torchvision's default for PIL images).
  case bilinear
}

/// Image resizing as PIL does it: bicubic (a = −0.5, antialiased when shrinking) or bilinear for
/// images, nearest neighbour for masks, pixel centres aligned (align_corners = false).
extension LabeledImage {
  public func resized(width w: Int, height h: Int, filter: ImageFilter = .bicubic) -> LabeledImage {
    if w == width && h == height { return self }
    return resizedCrop(width: w, height: h, x: 0, y: 0, cropWidth: w, cropHeight: h, pad: 0, filter: filter)
  }

  /// The `cropWidth` × `cropHeight` window at (`x`, `y`) of `resized(width: w, height: h)`,
  /// computing only the pixels inside the window (training crops of a rescaled image); parts of
  /// the window outside the resized image are black with mask value `pad`.
  public func resizedCrop(
    width w: Int, height h: Int, x: Int, y: Int, cropWidth: Int, cropHeight: Int, pad: UInt8, filter: ImageFilter = .bicubic
  ) -> LabeledImage {
    var out = LabeledImage(width: cropWidth, height: cropHeight, channels: channels, maskFill: pad)
    let ox0 = max(0, x), ox1 = min(w, x + cropWidth), oy0 = max(0, y), oy1 = min(h, y + cropHeight)
    guard ox1 > ox0, oy1 > oy0 else { return out }
    let cols = ox1 - ox0, rows = oy1 - oy0
    var region = LabeledImage(width: cols, height: rows, channels: channels, maskFill: pad)
    if w == width && h == height {
      region.paste(self, sourceX: ox0, sourceY: oy0, width: cols, height: rows, atX: 0, atY: 0)
    } else {
      region.image = resampleImage(
        horizontal: ResampleCoefficients(input: width, output: w, range: ox0..<ox1, filter: filter),
        vertical: ResampleCoefficients(input: height, output: h, range: oy0..<oy1, filter: filter))
      region.mask = nearestMask(width: w, height: h, columns: ox0..<ox1, rows: oy0..<oy1)
    }
    out.paste(region, sourceX: 0, sourceY: 0, width: cols, height: rows, atX: ox0 - x, atY: oy0 - y)
    return out
  }

  /// Separable filtering: a horizontal pass over the input rows the output rows need, then a
  /// vertical pass.
  private func resampleImage(horizontal hc: ResampleCoefficients, vertical vc: ResampleCoefficients) -> [UInt8] {
    let cols = hc.count.count, rows = vc.count.count
    let firstRow = vc.start.min()!, lastRow = zip(vc.start, vc.count).map { $0 + $1 }.max()!
    let needed = lastRow - firstRow
    var out = [UInt8](repeating: 0, count: channels * cols * rows)
    var temp = [Float](repeating: 0, count: needed * cols)
    for c in 0..<channels {
      image.withUnsafeBufferPointer { src in
        temp.withUnsafeMutableBufferPointer { tmp in
          hc.withPointers { start, count, weights, stride in
            for r in 0..<needed {
              let row = src.baseAddress! + (c * height + firstRow + r) * width
              let outRow = tmp.baseAddress! + r * cols
              for x in 0..<cols {
                let s = row + start[x], k = weights + x * stride
                var sum: Float = 0
                for i in 0..<count[x] { sum += Float(s[i]) * k[i] }
                outRow[x] = sum
              }
            }
          }
        }
      }
      temp.withUnsafeBufferPointer { tmp in
        out.withUnsafeMutableBufferPointer { dst in
          vc.withPointers { start, count, weights, stride in
            let plane = dst.baseAddress! + c * cols * rows
            for y in 0..<rows {
              let k = weights + y * stride, n = count[y]
              let base = tmp.baseAddress! + (start[y] - firstRow) * cols
              let outRow = plane + y * cols
              for x in 0..<cols {
                var sum: Float = 0
                for i in 0..<n { sum += base[i * cols + x] * k[i] }
                outRow[x] = UInt8(max(0, min(255, sum.rounded())))
              }
            }
          }
        }
      }
    }
    return out
  }

  /// Nearest neighbour (PIL's centre rule) for the given output columns and rows.
  func nearestMask(width w: Int, height h: Int, columns: Range<Int>, rows: Range<Int>) -> [UInt8] {
    let xs = columns.map { min(width - 1, Int((Double($0) + 0.5) * Double(width) / Double(w))) }
    var out = [UInt8](repeating: 0, count: columns.count * rows.count)
    mask.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for (r, y) in rows.enumerated() {
          let sy = min(height - 1, Int((Double(y) + 0.5) * Double(height) / Double(h)))
          let row = src.baseAddress! + sy * width, outRow = dst.baseAddress! + r * columns.count
          for i in 0..<xs.count { outRow[i] = row[xs[i]] }
        }
      }
    }
    return out
  }
}

/// For each output pixel of `range` (of an `output`-sized axis): the first input pixel, how many
/// contribute and their normalised weights (PIL's `precompute_coeffs`).
private struct ResampleCoefficients {
  var start: [Int] = []
  var count: [Int] = []
  var weights: [Float] = []
  var stride = 0

  init(input: Int, output: Int, range: Range<Int>, filter: ImageFilter) {
    let scale = Double(input) / Double(output)
    let filterScale = max(scale, 1)
    let kernel: (Double) -> Double
    let radius: Double
    switch filter {
    case .bicubic: (kernel, radius) = (Self.cubic, 2)
    case .bilinear: (kernel, radius) = (Self.triangle, 1)
    }
    let support = radius * filterScale
    stride = Int(support.rounded(.up)) * 2 + 1
    weights = [Float](repeating: 0, count: range.count * stride)
    var w = [Double]()
    for (j, o) in range.enumerated() {
      let center = (Double(o) + 0.5) * scale
      let lo = max(0, Int(center - support + 0.5))
      let hi = min(input, Int(center + support + 0.5))
      w.removeAll(keepingCapacity: true)
      for i in lo..<hi { w.append(kernel((Double(i) - center + 0.5) / filterScale)) }
      let total = w.reduce(0, +)
      start.append(lo)
      count.append(w.count)
      for (i, v) in w.enumerated() { weights[j * stride + i] = Float(total != 0 ? v / total : 0) }
    }
  }

  func withPointers<R>(_ body: (UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Float>, Int) -> R) -> R {
    start.withUnsafeBufferPointer { s in
      count.withUnsafeBufferPointer { c in
        weights.withUnsafeBufferPointer { w in body(s.baseAddress!, c.baseAddress!, w.baseAddress!, stride) }
      }
    }
  }

  /// Keys' cubic convolution kernel with a = −0.5 (PIL's BICUBIC).
  static func cubic(_ x: Double) -> Double {
    let a = -0.5, x = abs(x)
    if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
    if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
    return 0
  }

  /// PIL's BILINEAR kernel.
  static func triangle(_ x: Double) -> Double { Swift.max(0, 1 - Swift.abs(x)) }
}
