import AtomicFiles
import Foundation

/// Plain data that `PickleWriter` can write (the reader is `Unpickler`): what RefCOCO-style
/// annotation files (`refs(unc).p`) hold.
public indirect enum PickleData: Sendable {
  case none
  case bool(Bool)
  case int(Int)
  case float(Double)
  case string(String)
  case list([PickleData])
  /// A dict with string keys, written in this order.
  case dict([(String, PickleData)])
}

/// Writes plain data as a pickle of protocol 2, the way Python's `pickle.dump(obj, f, 2)` lays
/// it out (without the memo, which readers do not need): `EMPTY_LIST MARK … APPENDS`,
/// `EMPTY_DICT MARK … SETITEMS`, the smallest integer opcode that fits, `BINUNICODE` strings.
public enum PickleWriter {
  /// The pickle bytes of `value`.
  public static func encode(_ value: PickleData) -> [UInt8] {
    var out: [UInt8] = [0x80, 2]  // PROTO 2
    append(value, to: &out)
    out.append(UInt8(ascii: "."))  // STOP
    return out
  }

  /// Writes `value` to `url` atomically.
  public static func write(_ value: PickleData, to url: URL) throws {
    do { try AtomicFile.write(encode(value), to: url.path) } catch let error as AtomicFileError {
      throw TorchError.io(path: url.path, message: "cannot write the pickle: \(error.message)")
    }
  }

  private static func append(_ value: PickleData, to out: inout [UInt8]) {
    switch value {
    case .none: out.append(UInt8(ascii: "N"))
    case .bool(let b): out.append(b ? 0x88 : 0x89)  // NEWTRUE, NEWFALSE
    case .int(let i): appendInt(i, to: &out)
    case .float(let d):
      out.append(UInt8(ascii: "G"))  // BINFLOAT, big-endian
      withUnsafeBytes(of: d.bitPattern.bigEndian) { out += $0 }
    case .string(let s):
      let bytes = Array(s.utf8)
      out.append(UInt8(ascii: "X"))  // BINUNICODE
      withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out += $0 }
      out += bytes
    case .list(let items):
      out.append(UInt8(ascii: "]"))  // EMPTY_LIST
      guard !items.isEmpty else { return }
      out.append(UInt8(ascii: "("))  // MARK
      for item in items { append(item, to: &out) }
      out.append(UInt8(ascii: "e"))  // APPENDS
    case .dict(let items):
      out.append(UInt8(ascii: "}"))  // EMPTY_DICT
      guard !items.isEmpty else { return }
      out.append(UInt8(ascii: "("))
      for (key, item) in items {
        append(.string(key), to: &out)
        append(item, to: &out)
      }
      out.append(UInt8(ascii: "u"))  // SETITEMS
    }
  }

  private static func appendInt(_ i: Int, to out: inout [UInt8]) {
    if (0...0xFF).contains(i) {
      out += [UInt8(ascii: "K"), UInt8(i)]  // BININT1
    } else if (0...0xFFFF).contains(i) {
      out += [UInt8(ascii: "M"), UInt8(i & 0xFF), UInt8(i >> 8)]  // BININT2
    } else if let small = Int32(exactly: i) {
      out.append(UInt8(ascii: "J"))  // BININT
      withUnsafeBytes(of: small.littleEndian) { out += $0 }
    } else {
      out += [0x8A, 8]  // LONG1: 8 bytes of little-endian two's complement
      withUnsafeBytes(of: Int64(i).littleEndian) { out += $0 }
    }
  }
}
