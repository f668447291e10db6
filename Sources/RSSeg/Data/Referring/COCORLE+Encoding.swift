import RSSegModels

extension COCORLE {
  /// The runs of a row-major `width × height` mask (pycocotools' `encode`): read column by
  /// column, starting with a (possibly empty) run of zeros.
  public init(mask: [Bool], width: Int, height: Int) throws {
    guard mask.count == width * height else {
      throw DataError.invalidArgument("a \(width)×\(height) mask needs \(width * height) values, got \(mask.count)")
    }
    var counts: [Int] = [], current = false, run = 0
    for x in 0..<width {
      for y in 0..<height {
        if mask[y * width + x] != current {
          counts.append(run)
          (current, run) = (!current, 0)
        }
        run += 1
      }
    }
    counts.append(run)
    try self.init(height: height, width: width, counts: counts, source: "mask")
  }

  /// pycocotools' compressed string form (`rleToString`): from the third count on, the
  /// difference to the count two before; each value in 5-bit groups, low first, 0x20 marking a
  /// following group, plus 48.
  public var compressedCounts: String {
    var bytes: [UInt8] = []
    for i in counts.indices {
      var x = Int(counts[i]) - (i > 2 ? Int(counts[i - 2]) : 0)
      var more = true
      while more {
        var c = x & 0x1F
        x >>= 5  // arithmetic shift, as on pycocotools' signed long
        more = (c & 0x10) != 0 ? x != -1 : x != 0
        if more { c |= 0x20 }
        bytes.append(UInt8(c + 48))
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
