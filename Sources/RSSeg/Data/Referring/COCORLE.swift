import RSSegModels

/// A COCO run-length encoding (pycocotools' `RLE`): alternating runs of background and object
/// pixels, starting with background, over the pixels in column-major order (down each column,
/// columns left to right).
public struct COCORLE: Sendable, Equatable {
  public let height: Int
  public let width: Int
  public let counts: [UInt32]

  /// The largest mask accepted: pycocotools counts in 32-bit unsigned integers.
  public static let maxPixels = Int(UInt32.max)

  /// Checks the size and that the runs cover exactly `height`·`width` pixels, before anything
  /// is allocated for the mask.
  /// - Throws: `DataError.badSample` naming `source`.
  public init(height: Int, width: Int, counts: [Int], source: String) throws {
    try Self.checkSize(height: height, width: width, source: source)
    var total = 0
    for c in counts {
      guard c >= 0 else { throw DataError.badSample(path: source, problem: "RLE has a negative count \(c)") }
      total += c
      guard total <= height * width else { break }
    }
    guard total == height * width else {
      let sum = total > height * width ? "more than" : "only \(total), not"
      throw DataError.badSample(
        path: source, problem: "RLE counts sum to \(sum) the \(height)×\(width) = \(height * width) pixels of the mask")
    }
    self.height = height
    self.width = width
    self.counts = counts.map { UInt32($0) }
  }

  static func checkSize(height: Int, width: Int, source: String) throws {
    guard height > 0, width > 0, height <= maxPixels / width else {
      throw DataError.badSample(path: source, problem: "mask size \(height)×\(width) is empty or too large")
    }
  }

  /// Object pixels.
  public var area: Int {
    stride(from: 1, to: counts.count, by: 2).reduce(0) { $0 + Int(counts[$1]) }
  }

  /// The mask as rows (H×W, row-major), 1 for object pixels.
  public func decoded() -> [UInt8] {
    var mask = [UInt8](repeating: 0, count: height * width)
    mask.withUnsafeMutableBufferPointer { out in
      var position = 0
      for (k, run) in counts.enumerated() {
        let n = Int(run)
        if k % 2 == 1 {
          for p in position..<(position + n) { out[(p % height) * width + p / height] = 1 }
        }
        position += n
      }
    }
    return mask
  }

  /// The union of several masks of one size (pycocotools' `merge` with `intersect=False`), as
  /// decoded rows.
  public static func decodedUnion(_ parts: [COCORLE]) -> [UInt8] {
    guard var mask = parts.first?.decoded() else { return [] }
    for part in parts.dropFirst() {
      for (i, v) in part.decoded().enumerated() where v != 0 { mask[i] = 1 }
    }
    return mask
  }
}
