import RSSegModels

/// An image and its class mask, aligned pixel for pixel. Plain values (safe to hand between
/// the loader's threads); the image is channel-major (C×H×W), the mask H×W class indices.
public struct LabeledImage: Sendable, Equatable {
  public var width: Int
  public var height: Int
  public var channels: Int
  public var image: [UInt8]
  public var mask: [UInt8]

  public init(width: Int, height: Int, channels: Int, image: [UInt8], mask: [UInt8]) {
    precondition(image.count == channels * width * height && mask.count == width * height, "LabeledImage: sizes disagree")
    self.width = width
    self.height = height
    self.channels = channels
    self.image = image
    self.mask = mask
  }

  /// A black image with an all-`fill` mask.
  public init(width: Int, height: Int, channels: Int, maskFill: UInt8) {
    self.init(
      width: width, height: height, channels: channels,
      image: [UInt8](repeating: 0, count: channels * width * height), mask: [UInt8](repeating: maskFill, count: width * height))
  }

  /// The `w` × `h` region at (`x`, `y`); parts outside the image become black pixels with mask
  /// value `pad` (the ignore index).
  public func cropped(x: Int, y: Int, width w: Int, height h: Int, pad: UInt8) -> LabeledImage {
    var out = LabeledImage(width: w, height: h, channels: channels, maskFill: pad)
    out.paste(self, sourceX: x, sourceY: y, width: w, height: h, atX: 0, atY: 0)
    return out
  }

  /// Copies the `w` × `h` region of `source` at (`sourceX`, `sourceY`) to (`atX`, `atY`), leaving
  /// pixels whose source lies outside `source` untouched.
  public mutating func paste(_ source: LabeledImage, sourceX: Int, sourceY: Int, width w: Int, height h: Int, atX: Int, atY: Int) {
    precondition(source.channels == channels, "paste: channel counts differ")
    let x0 = max(0, -sourceX, -atX), y0 = max(0, -sourceY, -atY)
    let x1 = min(w, source.width - sourceX, width - atX), y1 = min(h, source.height - sourceY, height - atY)
    guard x1 > x0, y1 > y0 else { return }
    let n = x1 - x0
    let (sw, sh, dw, dh) = (source.width, source.height, width, height)
    for c in 0..<channels {
      source.image.withUnsafeBufferPointer { src in
        image.withUnsafeMutableBufferPointer { dst in
          for y in y0..<y1 {
            let s = (c * sh + sourceY + y) * sw + sourceX + x0
            let d = (c * dh + atY + y) * dw + atX + x0
            (dst.baseAddress! + d).update(from: src.baseAddress! + s, count: n)
          }
        }
      }
    }
    source.mask.withUnsafeBufferPointer { src in
      mask.withUnsafeMutableBufferPointer { dst in
        for y in y0..<y1 {
          (dst.baseAddress! + (atY + y) * dw + atX + x0).update(from: src.baseAddress! + (sourceY + y) * sw + sourceX + x0, count: n)
        }
      }
    }
  }

  /// Mirrored left–right.
  public func flippedHorizontally() -> LabeledImage {
    remapped(width: width, height: height) { x, y in (width - 1 - x, y) }
  }

  /// Mirrored top–bottom.
  public func flippedVertically() -> LabeledImage {
    remapped(width: width, height: height) { x, y in (x, height - 1 - y) }
  }

  /// Rotated by `k` quarter turns counter-clockwise (numpy's `rot90(a, k)`).
  public func rotated90(_ k: Int = 1) -> LabeledImage {
    switch ((k % 4) + 4) % 4 {
    case 1: return remapped(width: height, height: width) { x, y in (width - 1 - y, x) }
    case 2: return remapped(width: width, height: height) { x, y in (width - 1 - x, height - 1 - y) }
    case 3: return remapped(width: height, height: width) { x, y in (y, height - 1 - x) }
    default: return self
    }
  }

  /// Output pixel (x, y) takes source pixel `from(x, y)`, which must be affine in x (a flip or a
  /// quarter turn): each output row is a strided walk through the source.
  private func remapped(width w: Int, height h: Int, _ from: (Int, Int) -> (Int, Int)) -> LabeledImage {
    let plane = width * height
    var image = [UInt8](repeating: 0, count: channels * plane)
    var mask = [UInt8](repeating: 0, count: plane)
    self.image.withUnsafeBufferPointer { srcImage in
      self.mask.withUnsafeBufferPointer { srcMask in
        image.withUnsafeMutableBufferPointer { dstImage in
          mask.withUnsafeMutableBufferPointer { dstMask in
            for y in 0..<h {
              let (x0, y0) = from(0, y)
              let first = y0 * width + x0
              let step = w > 1 ? { let (x1, y1) = from(1, y); return (y1 * width + x1) - first }() : 0
              let row = y * w
              for c in 0..<channels {
                let s = srcImage.baseAddress! + c * plane + first, d = dstImage.baseAddress! + c * plane + row
                for x in 0..<w { d[x] = s[x * step] }
              }
              let s = srcMask.baseAddress! + first, d = dstMask.baseAddress! + row
              for x in 0..<w { d[x] = s[x * step] }
            }
          }
        }
      }
    }
    return LabeledImage(width: w, height: h, channels: channels, image: image, mask: mask)
  }

  /// Pixels per class value (256 bins).
  public func maskHistogram() -> [Int] {
    var counts = [Int](repeating: 0, count: 256)
    for v in mask { counts[Int(v)] += 1 }
    return counts
  }
}
