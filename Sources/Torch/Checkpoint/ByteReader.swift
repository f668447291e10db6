/// Bounds-checked little-endian reads from a byte buffer; every read past the end throws
/// `TorchError.io` naming `source` (a file, or an entry inside one).
struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  let source: String
  var offset: Int

  init(_ bytes: UnsafeRawBufferPointer, source: String, offset: Int = 0) {
    self.bytes = bytes
    self.source = source
    self.offset = offset
  }

  var remaining: Int { bytes.count - offset }
  var isAtEnd: Bool { offset >= bytes.count }

  func fail(_ message: String) -> TorchError { .io(path: source, message: message) }

  /// Checks that `count` bytes are available at the current offset.
  func need(_ count: Int, for what: @autoclosure () -> String) throws {
    guard count >= 0, offset >= 0, offset <= bytes.count, count <= bytes.count - offset else {
      throw fail("truncated: \(what()) needs \(count) bytes at offset \(offset), \(max(remaining, 0)) left")
    }
  }

  mutating func skip(_ count: Int, _ what: @autoclosure () -> String = "data") throws {
    try need(count, for: what())
    offset += count
  }

  mutating func slice(_ count: Int, _ what: @autoclosure () -> String = "data") throws -> UnsafeRawBufferPointer {
    try need(count, for: what())
    defer { offset += count }
    return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
  }

  mutating func u8() throws -> UInt8 { try integer(UInt8.self) }
  mutating func u16() throws -> UInt16 { try integer(UInt16.self) }
  mutating func u32() throws -> UInt32 { try integer(UInt32.self) }
  mutating func u64() throws -> UInt64 { try integer(UInt64.self) }

  mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
    try need(MemoryLayout<T>.size, for: "a \(MemoryLayout<T>.size)-byte integer")
    defer { offset += MemoryLayout<T>.size }
    return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
  }

  /// The bytes up to (not including) the next `\n`, which is consumed.
  mutating func line() throws -> UnsafeRawBufferPointer {
    guard let end = bytes[offset...].firstIndex(of: 0x0A) else { throw fail("truncated: unterminated text line at offset \(offset)") }
    defer { offset = end + 1 }
    return UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
  }
}
