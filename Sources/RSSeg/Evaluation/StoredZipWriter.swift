import Foundation

/// Writes a zip archive of uncompressed ("stored") entries — enough for the LoveDA online
/// submission (PNG files are compressed already). Written under a temporary name, then renamed.
struct StoredZipWriter {
  private var data = Data()
  private var central = Data()
  private var count = 0

  /// Adds `contents` as `name` (a flat name, no folders).
  mutating func add(name: String, contents: Data) {
    let nameBytes = Data(name.utf8)
    let crc = Self.crc32(contents)
    let offset = UInt32(data.count)
    // Local file header: version 20, no flags, method 0 (stored), DOS time/date 0:00 1 Jan 1980.
    data += le32(0x0403_4b50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
    data += le32(crc) + le32(UInt32(contents.count)) + le32(UInt32(contents.count)) + le16(UInt16(nameBytes.count)) + le16(0)
    data += nameBytes + contents
    central += le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
    central += le32(crc) + le32(UInt32(contents.count)) + le32(UInt32(contents.count)) + le16(UInt16(nameBytes.count))
    central += le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + nameBytes
    count += 1
  }

  /// The finished archive written to `path`.
  func write(to path: String) throws {
    var out = data + central
    out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(count)) + le16(UInt16(count))
    out += le32(UInt32(central.count)) + le32(UInt32(data.count)) + le16(0)
    do { try out.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
      throw DataError.output(path: path, problem: "cannot write: \(error.localizedDescription)")
    }
  }

  static let table: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  /// CRC-32 (IEEE), as zip uses.
  static func crc32(_ bytes: Data) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
  }
}

private func le16(_ v: UInt16) -> Data { Data([UInt8(v & 0xFF), UInt8(v >> 8)]) }
private func le32(_ v: UInt32) -> Data { Data((0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) }) }
