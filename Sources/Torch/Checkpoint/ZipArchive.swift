/// The central directory of a zip file whose entries are stored uncompressed (method 0), as
/// `torch.save` writes them. ZIP64 aware. Every size and offset is checked against the file
/// before use; compressed or encrypted entries are rejected with a clear error.
struct ZipArchive {
  struct Entry {
    let name: String
    /// Byte offset of the entry's data in the file.
    let dataOffset: Int
    let size: Int
  }

  let entries: [Entry]
  private let index: [String: Int]

  private static let eocdSignature: UInt32 = 0x0605_4b50
  private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
  private static let zip64EOCDSignature: UInt32 = 0x0606_4b50
  private static let centralSignature: UInt32 = 0x0201_4b50
  private static let localSignature: UInt32 = 0x0403_4b50
  private static let eocdSize = 22
  private static let centralHeaderSize = 46
  private static let localHeaderSize = 30

  /// Whether `bytes` starts like a zip file.
  static func hasSignature(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.count >= 4 && bytes.loadUnaligned(as: UInt32.self) == UInt32(littleEndian: localSignature)
  }

  init(_ bytes: UnsafeRawBufferPointer, source: String) throws {
    var r = ByteReader(bytes, source: source)
    let eocd = try Self.findEOCD(bytes, source: source)
    r.offset = eocd + 10
    var count = UInt64(try r.u16())
    var directorySize = UInt64(try r.u32())
    var directoryOffset = UInt64(try r.u32())
    var directoryEnd = eocd
    if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
      // ZIP64: the locator sits right before the end record and points to the ZIP64 end record.
      guard eocd >= 20 else { throw r.fail("ZIP64 end-of-directory locator missing") }
      r.offset = eocd - 20
      guard try r.u32() == Self.zip64LocatorSignature else { throw r.fail("ZIP64 end-of-directory locator missing") }
      r.offset += 4
      let record = try r.u64()
      guard record <= UInt64(eocd - 20) else { throw r.fail("ZIP64 end record offset \(record) is past the locator") }
      r.offset = Int(record)
      guard try r.u32() == Self.zip64EOCDSignature else { throw r.fail("bad ZIP64 end-of-directory record") }
      r.offset += 28  // record size, versions, disk numbers, entries on this disk
      count = try r.u64()
      directorySize = try r.u64()
      directoryOffset = try r.u64()
      directoryEnd = Int(record)
    }
    guard directoryOffset <= UInt64(directoryEnd), directorySize <= UInt64(directoryEnd) - directoryOffset else {
      throw r.fail("central directory (\(directorySize) bytes at \(directoryOffset)) lies outside the file")
    }
    guard count <= directorySize / UInt64(Self.centralHeaderSize) else {
      throw r.fail("\(count) entries cannot fit in a \(directorySize)-byte central directory")
    }
    var entries: [Entry] = []
    entries.reserveCapacity(Int(count))
    var index: [String: Int] = [:]
    r.offset = Int(directoryOffset)
    let limit = Int(directoryOffset)  // entry data must end before the central directory
    for _ in 0..<Int(count) {
      let entry = try Self.readCentralEntry(&r, file: bytes, dataLimit: limit)
      guard index[entry.name] == nil else { throw r.fail("duplicate entry \(entry.name)") }
      index[entry.name] = entries.count
      entries.append(entry)
    }
    self.entries = entries
    self.index = index
  }

  func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

  /// The end-of-central-directory record: the last signature within the final 64 KiB + 22 bytes.
  private static func findEOCD(_ bytes: UnsafeRawBufferPointer, source: String) throws -> Int {
    guard bytes.count >= eocdSize else { throw TorchError.io(path: source, message: "too short for a zip file") }
    let lowest = max(0, bytes.count - eocdSize - 0xFFFF)
    var at = bytes.count - eocdSize
    while at >= lowest {
      if bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self) == UInt32(littleEndian: eocdSignature) { return at }
      at -= 1
    }
    throw TorchError.io(path: source, message: "zip end-of-central-directory record not found (truncated file?)")
  }

  private static func readCentralEntry(_ r: inout ByteReader, file: UnsafeRawBufferPointer, dataLimit: Int) throws -> Entry {
    let start = r.offset
    guard try r.u32() == centralSignature else { throw r.fail("bad central directory entry at offset \(start)") }
    r.offset += 4
    let flags = try r.u16()
    let method = try r.u16()
    r.offset += 8
    var compressed = UInt64(try r.u32())
    var size = UInt64(try r.u32())
    let nameLength = Int(try r.u16())
    let extraLength = Int(try r.u16())
    let commentLength = Int(try r.u16())
    r.offset += 8
    var localOffset = UInt64(try r.u32())
    let name = String(decoding: try r.slice(nameLength, "an entry name"), as: UTF8.self)
    var extra = ByteReader(try r.slice(extraLength, "an extra field"), source: r.source)
    try r.skip(commentLength, "an entry comment")
    // ZIP64 extended information replaces exactly the fields that hold 0xFFFFFFFF, in this order.
    while extra.remaining >= 4 {
      let id = try extra.u16()
      let length = Int(try extra.u16())
      var field = ByteReader(try extra.slice(length, "a ZIP64 field"), source: r.source)
      guard id == 0x0001 else { continue }
      if size == 0xFFFF_FFFF { size = try field.u64() }
      if compressed == 0xFFFF_FFFF { compressed = try field.u64() }
      if localOffset == 0xFFFF_FFFF { localOffset = try field.u64() }
    }
    guard flags & 1 == 0 else { throw r.fail("entry \(name) is encrypted") }
    guard method == 0 else {
      throw r.fail("entry \(name) is compressed (method \(method)); only stored entries are supported, as torch.save writes them")
    }
    guard compressed == size else { throw r.fail("stored entry \(name) has compressed size \(compressed) ≠ size \(size)") }
    guard localOffset <= UInt64(dataLimit) else { throw r.fail("entry \(name) starts past the data area") }
    var local = ByteReader(file, source: r.source, offset: Int(localOffset))
    guard try local.u32() == localSignature else { throw r.fail("entry \(name): bad local header at \(localOffset)") }
    local.offset += 22
    let localName = Int(try local.u16())
    let localExtra = Int(try local.u16())
    let dataOffset = Int(localOffset) + localHeaderSize + localName + localExtra
    guard dataOffset <= dataLimit, size <= UInt64(dataLimit - dataOffset) else {
      throw r.fail("entry \(name) (\(size) bytes at \(dataOffset)) runs past the data area")
    }
    return Entry(name: name, dataOffset: dataOffset, size: Int(size))
  }
}
