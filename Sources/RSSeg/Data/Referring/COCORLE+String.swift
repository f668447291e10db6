import RSSegModels

/// pycocotools' compressed RLE string (`rleFrString`): each count in groups of 5 bits, least
/// significant first, one character (48 + value) per group, bit 0x20 = more groups follow and
/// bit 0x10 of the last group = negative; from the third count on, each is stored as the
/// difference to the count two places before it.
extension COCORLE {
  /// - Throws: `DataError.badSample` naming `source` for characters outside the encoding,
  ///   truncated or oversized numbers, negative runs or runs that do not cover the mask.
  public init(height: Int, width: Int, compressed: String, source: String) throws {
    try Self.checkSize(height: height, width: width, source: source)
    let bytes = Array(compressed.utf8)
    var counts: [Int] = []
    counts.reserveCapacity(bytes.count)
    var p = 0
    while p < bytes.count {
      var x = 0
      var k = 0
      var more = true
      while more {
        guard p < bytes.count else {
          throw DataError.badSample(path: source, problem: "compressed RLE ends inside a number")
        }
        guard (48...111).contains(bytes[p]), k < 7 else {
          throw DataError.badSample(
            path: source, problem: k < 7 ? "compressed RLE has a character outside the encoding at offset \(p)" : "compressed RLE has a number beyond 32 bits")
        }
        let c = Int(bytes[p]) - 48
        x |= (c & 0x1F) << (5 * k)
        more = c & 0x20 != 0
        p += 1
        k += 1
        if !more && c & 0x10 != 0 { x |= -1 << (5 * k) }
      }
      if counts.count > 2 { x += counts[counts.count - 2] }
      guard x >= 0, x <= Int(UInt32.max) else {
        throw DataError.badSample(path: source, problem: "compressed RLE decodes to an invalid count \(x)")
      }
      counts.append(x)
    }
    try self.init(height: height, width: width, counts: counts, source: source)
  }
}
