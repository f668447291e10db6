import Foundation
import RSSegModels

/// Writes a zip archive of uncompressed ("stored") entries — enough for the LoveDA online
/// submission (PNG files are compressed already). Written under a temporary name, then renamed.
struct StoredZipWriter {
  private var data = Data()
  private var central = Data()
  private var count = 0

  /// Adds `contents` as `name` (a flat name, no folders).
  mutating func add(name: String, contents: Data) {
    let nameBytes = Data(name.utf8)
    let crc = contents.withUnsafeBytes { CRC32.checksum($0) }
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
    try writeAtomically(out, to: URL(fileURLWithPath: path))
  }
}

private func le16(_ v: UInt16) -> Data { Data([UInt8(v & 0xFF), UInt8(v >> 8)]) }
private func le32(_ v: UInt32) -> Data { Data((0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) }) }
