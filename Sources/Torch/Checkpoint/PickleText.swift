/// Decoders for the text encodings of old pickle protocols.
enum PickleText {
  /// Python 2 `str` bytes: UTF-8 when valid (ASCII included), otherwise Latin-1.
  static func legacyString(_ bytes: UnsafeRawBufferPointer) -> String {
    if let s = String(validating: bytes, as: UTF8.self) { return s }
    return latin1(bytes)
  }

  static func latin1<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
  }

  /// UNICODE operand: Latin-1 bytes with `\uXXXX` and `\UXXXXXXXX` escapes.
  static func rawUnicodeEscape(_ bytes: UnsafeRawBufferPointer) -> String {
    var scalars = String.UnicodeScalarView()
    var k = 0
    while k < bytes.count {
      if bytes[k] == 0x5C, k + 1 < bytes.count, bytes[k + 1] == 0x75 || bytes[k + 1] == 0x55 {
        let digits = bytes[k + 1] == 0x75 ? 4 : 8
        if k + 2 + digits <= bytes.count,
          let code = UInt32(String(decoding: bytes[(k + 2)..<(k + 2 + digits)], as: UTF8.self), radix: 16),
          let scalar = Unicode.Scalar(code)
        {
          scalars.append(scalar)
          k += 2 + digits
          continue
        }
      }
      scalars.append(Unicode.Scalar(bytes[k]))
      k += 1
    }
    return String(scalars)
  }

  /// STRING operand: a Python repr in single or double quotes with backslash escapes.
  static func quotedString(_ bytes: UnsafeRawBufferPointer) -> String? {
    guard bytes.count >= 2, let q = bytes.first, q == 0x27 || q == 0x22, bytes.last == q else { return nil }
    var out: [UInt8] = []
    var k = 1
    let end = bytes.count - 1
    while k < end {
      let c = bytes[k]
      k += 1
      guard c == 0x5C, k < end else {
        out.append(c)
        continue
      }
      let e = bytes[k]
      k += 1
      switch e {
      case 0x6E: out.append(0x0A)  // \n
      case 0x74: out.append(0x09)  // \t
      case 0x72: out.append(0x0D)  // \r
      case 0x30: out.append(0)  // \0
      case 0x78:  // \xHH
        guard k + 2 <= end, let v = UInt8(String(decoding: bytes[k..<k + 2], as: UTF8.self), radix: 16) else { return nil }
        out.append(v)
        k += 2
      default: out.append(e)  // \\, \', \"
      }
    }
    return out.withUnsafeBytes { legacyString($0) }
  }

  /// `_codecs.encode(text, encoding)` for the encodings pickles use for bytes.
  static func encode(_ text: String, _ encoding: String, source: String) throws -> [UInt8] {
    switch encoding.lowercased() {
    case "latin1", "latin-1", "latin_1", "iso-8859-1", "iso8859-1", "iso8859_1":
      return try text.unicodeScalars.map {
        guard $0.value < 256 else { throw TorchError.io(path: source, message: "pickle bytes are not Latin-1") }
        return UInt8($0.value)
      }
    case "utf8", "utf-8", "utf_8", "ascii": return Array(text.utf8)
    default: throw TorchError.io(path: source, message: "pickle bytes in unsupported encoding \(encoding)")
    }
  }
}
