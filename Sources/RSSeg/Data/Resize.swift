/// Image resizing as PIL does it: bicubic (a = −0.5, antialiased when shrinking) for images,
/// nearest neighbour for masks, pixel centres aligned (align_corners = false).
extension LabeledImage {
  public func resized(width w: Int, height h: Int) -> LabeledImage {
    if w == width && h == height { return self }
    let horizontal = ResampleCoefficients(input: width, output: w)
    let vertical = ResampleCoefficients(input: height, output: h)
    var out = [UInt8](repeating: 0, count: channels * w * h)
    var temp = [Float](repeating: 0, count: height * w)
    for c in 0..<channels {
      image.withUnsafeBufferPointer { src in
        temp.withUnsafeMutableBufferPointer { tmp in
          let plane = src.baseAddress! + c * width * height
          for y in 0..<height {
            let row = plane + y * width, outRow = tmp.baseAddress! + y * w
            for x in 0..<w {
              let start = horizontal.start[x], n = horizontal.count[x], k = x * horizontal.stride
              var sum: Float = 0
              for i in 0..<n { sum += Float(row[start + i]) * horizontal.weights[k + i] }
              outRow[x] = sum
            }
          }
        }
      }
      temp.withUnsafeBufferPointer { tmp in
        out.withUnsafeMutableBufferPointer { dst in
          let plane = dst.baseAddress! + c * w * h
          for y in 0..<h {
            let start = vertical.start[y], n = vertical.count[y], k = y * vertical.stride
            let outRow = plane + y * w
            for x in 0..<w {
              var sum: Float = 0
              for i in 0..<n { sum += tmp[(start + i) * w + x] * vertical.weights[k + i] }
              outRow[x] = UInt8(max(0, min(255, sum.rounded())))
            }
          }
        }
      }
    }
    return LabeledImage(width: w, height: h, channels: channels, image: out, mask: resizedMaskNearest(width: w, height: h))
  }

  private func resizedMaskNearest(width w: Int, height h: Int) -> [UInt8] {
    let xs = (0..<w).map { min(width - 1, Int((Double($0) + 0.5) * Double(width) / Double(w))) }
    var out = [UInt8](repeating: 0, count: w * h)
    for y in 0..<h {
      let sy = min(height - 1, Int((Double(y) + 0.5) * Double(height) / Double(h)))
      for x in 0..<w { out[y * w + x] = mask[sy * width + xs[x]] }
    }
    return out
  }
}

/// Per output pixel: the first input pixel, how many contribute and their normalised weights.
private struct ResampleCoefficients {
  var start: [Int] = []
  var count: [Int] = []
  var weights: [Float] = []
  var stride = 0

  init(input: Int, output: Int) {
    let scale = Double(input) / Double(output)
    let filterScale = max(scale, 1)
    let support = 2 * filterScale
    stride = Int(support.rounded(.up)) * 2 + 1
    weights = [Float](repeating: 0, count: output * stride)
    for o in 0..<output {
      let center = (Double(o) + 0.5) * scale
      let lo = max(0, Int(center - support + 0.5))
      let hi = min(input, Int(center + support + 0.5))
      var w = [Double]()
      for i in lo..<hi { w.append(Self.cubic((Double(i) - center + 0.5) / filterScale)) }
      let total = w.reduce(0, +)
      start.append(lo)
      count.append(w.count)
      for (i, v) in w.enumerated() { weights[o * stride + i] = Float(total != 0 ? v / total : 0) }
    }
  }

  /// Keys' cubic convolution kernel with a = −0.5 (PIL's BICUBIC).
  static func cubic(_ x: Double) -> Double {
    let a = -0.5, x = abs(x)
    if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
    if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
    return 0
  }
}
