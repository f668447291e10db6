import Foundation
import RSSegModels

/// CRC-32 (IEEE 802.3, the checksum of zip, gzip and PNG; `zlib.crc32` in Python, `crc32` on
/// the command line), slicing by 8 bytes.
enum CRC32 {
  private static let tables: [[UInt32]] = {
    var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
    for n in 0..<256 {
      var c = UInt32(n)
      for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
      tables[0][n] = c
    }
    for n in 0..<256 {
      for k in 1..<8 { tables[k][n] = (tables[k - 1][n] >> 8) ^ tables[0][Int(tables[k - 1][n] & 0xFF)] }
    }
    return tables
  }()

  /// The CRC-32 of `bytes`, continuing from `crc` (the CRC of what came before).
  static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
    var c = ~crc
    tables.withUnsafeBufferPointer { t in
      let (t0, t1, t2, t3) = (t[0], t[1], t[2], t[3])
      let (t4, t5, t6, t7) = (t[4], t[5], t[6], t[7])
      var i = 0
      let n = bytes.count
      while i + 8 <= n {
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
        let lo = UInt32(truncatingIfNeeded: word) ^ c, hi = UInt32(truncatingIfNeeded: word >> 32)
        c = t7[Int(lo & 0xFF)] ^ t6[Int(lo >> 8 & 0xFF)] ^ t5[Int(lo >> 16 & 0xFF)] ^ t4[Int(lo >> 24)]
          ^ t3[Int(hi & 0xFF)] ^ t2[Int(hi >> 8 & 0xFF)] ^ t1[Int(hi >> 16 & 0xFF)] ^ t0[Int(hi >> 24)]
        i += 8
      }
      while i < n {
        c = t0[Int((c ^ UInt32(bytes[i])) & 0xFF)] ^ (c >> 8)
        i += 1
      }
    }
    return ~c
  }

  /// The CRC-32 and size of a file (mapped, not read into memory).
  static func checksum(ofFile url: URL) throws -> (crc: UInt32, bytes: Int) {
    let data = try Data(contentsOf: url, options: .alwaysMapped)
    return (data.withUnsafeBytes { checksum($0) }, data.count)
  }
}
