import AtomicFiles
import Foundation

/// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length, a JSON header (`name → {dtype, shape, data_offsets}` plus an optional
/// `__metadata__` of strings), then the raw little-endian tensor bytes.
public enum SafeTensors {
  /// Headers larger than this are rejected before being read (the reference library's limit).
  static let maxHeaderSize = 100_000_000

  /// Opens a file: the header is parsed and validated; tensors are then mapped on request.
  /// - Throws: `TorchError.io` naming the file and the problem.
  public static func read(_ path: String) throws -> SafeTensorsFile {
    try SafeTensorsFile(mapping: try MappedFile(path: path))
  }

  /// Writes `tensors` with string `metadata`, atomically: the bytes go to a temporary file in the
  /// same folder, which is flushed to disk and then renamed over `path`, so readers see either
  /// the old file or the whole new one.
  ///
  /// The layout is the reference library's, byte for byte: tensors sorted by dtype (its order:
  /// I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL, so every tensor starts aligned to its
  /// element size) then by name, metadata keys sorted, the header padded with spaces to a
  /// multiple of 8 bytes. Tensors on any device and in any layout are accepted.
  /// - Throws: `TorchError.invalidArgument` for duplicate names; `TorchError.io` when writing fails.
  public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
    var seen = Set<String>()
    for (name, _) in tensors where !seen.insert(name).inserted {
      throw TorchError.invalidArgument("SafeTensors.write: duplicate tensor name '\(name)'")
    }
    guard !seen.contains("__metadata__") else {
      throw TorchError.invalidArgument("SafeTensors.write: '__metadata__' is reserved")
    }
    let ordered = tensors.sorted { a, b in
      a.1.dtype.safetensorsRank != b.1.dtype.safetensorsRank ? a.1.dtype.safetensorsRank > b.1.dtype.safetensorsRank : a.0 < b.0
    }
    var header = "{"
    var fields: [String] = []
    if !metadata.isEmpty {
      let items = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      fields.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
    }
    var offset = 0
    for (name, t) in ordered {
      let end = offset + t.count * t.dtype.size
      fields.append("\(jsonString(name)):{\"dtype\":\"\(t.dtype.safetensorsName)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    header += fields.joined(separator: ",") + "}"
    while header.utf8.count % 8 != 0 { header += " " }

    do {
      let file = try AtomicFile(path: path)
      var length = UInt64(header.utf8.count).littleEndian
      try withUnsafeBytes(of: &length) { try file.append($0) }
      try Array(header.utf8).withUnsafeBytes { try file.append($0) }
      for (_, t) in ordered where t.count > 0 {
        let source = t.device == .cpu && t.isContiguous ? t : try t.to(.cpu).contiguous()
        try source.withUnsafeRawPointer { try file.append(UnsafeRawBufferPointer(start: $0, count: source.count * source.dtype.size)) }
      }
      try file.commit()  // an uncommitted file removes itself
    } catch let error as AtomicFileError {
      throw TorchError.io(path: path, message: error.message)
    }
  }

  /// A JSON string literal.
  static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

/// An open safetensors file. Tensors are zero-copy views of a private copy-on-write mapping of
/// the file (see `MappedFile`): an in-place write into one changes this process's memory, never
/// the file; `clone()` a tensor that should not share pages with the others.
public final class SafeTensorsFile {
  struct Entry {
    let dtype: DType
    let shape: [Int]
    /// Byte range relative to the start of the data area.
    let begin: Int
    let end: Int
  }

  public var path: String { mapping.path }
  /// The `__metadata__` strings.
  public let metadata: [String: String]
  /// Tensor names in file order (by data offset).
  public let names: [String]
  private let entries: [String: Entry]
  private let mapping: MappedFile
  private let dataStart: Int

  init(mapping: MappedFile) throws {
    self.mapping = mapping
    let path = mapping.path
    func fail(_ message: String) -> TorchError { .io(path: path, message: "safetensors: \(message)") }
    guard mapping.bytes.count >= 8 else { throw fail("a file of \(mapping.bytes.count) bytes is too short for a header") }
    var reader = ByteReader(mapping.bytes, source: path)
    let headerSize = try reader.u64()
    guard headerSize <= UInt64(SafeTensors.maxHeaderSize) else { throw fail("header size \(headerSize) exceeds the \(SafeTensors.maxHeaderSize)-byte limit") }
    guard headerSize <= UInt64(reader.remaining) else {
      throw fail("header size \(headerSize) exceeds the \(reader.remaining) bytes after it (truncated or not a safetensors file)")
    }
    let headerBytes = try reader.slice(Int(headerSize), "the header")
    dataStart = reader.offset
    let dataSize = reader.remaining
    let json: Any
    do {
      json = try JSONSerialization.jsonObject(with: Data(headerBytes))
    } catch {
      throw fail("header is not valid JSON")
    }
    guard let header = json as? [String: Any] else { throw fail("header is not a JSON object") }

    var metadata: [String: String] = [:]
    var entries: [String: Entry] = [:]
    for (name, value) in header {
      if name == "__metadata__" {
        guard let m = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
        for (k, v) in m {
          guard let s = v as? String else { throw fail("metadata value '\(k)' is not a string") }
          metadata[k] = s
        }
        continue
      }
      guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
        let shapeList = info["shape"] as? [Any], let offsets = info["data_offsets"] as? [Any], offsets.count == 2
      else { throw fail("tensor '\(name)' lacks dtype, shape or data_offsets") }
      guard let dtype = DType(safetensorsName: dtypeName) else { throw fail("tensor '\(name)' has unsupported dtype \(dtypeName)") }
      let shape = try shapeList.map { (d: Any) -> Int in
        guard let n = Self.integer(d), n >= 0 else { throw fail("tensor '\(name)' has a bad shape \(shapeList)") }
        return n
      }
      guard let begin = Self.integer(offsets[0]), let end = Self.integer(offsets[1]), 0 <= begin, begin <= end, end <= dataSize else {
        throw fail("tensor '\(name)' has data_offsets \(offsets) outside the \(dataSize)-byte data area")
      }
      var bytes = dtype.size
      for n in shape {
        let (p, overflow) = bytes.multipliedReportingOverflow(by: n)
        guard !overflow else { throw fail("tensor '\(name)' shape \(shape) overflows the element count") }
        bytes = p
      }
      guard end - begin == bytes else {
        throw fail("tensor '\(name)' of shape \(shape) and dtype \(dtypeName) needs \(bytes) bytes, data_offsets give \(end - begin)")
      }
      entries[name] = Entry(dtype: dtype, shape: shape, begin: begin, end: end)
    }
    // As the reference library: tensors tile the data area exactly, without gaps or overlaps.
    let ordered = entries.sorted { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }
    var position = 0
    for (name, entry) in ordered {
      guard entry.begin == position else { throw fail("tensor '\(name)' starts at \(entry.begin), expected \(position) (gap or overlap)") }
      position = entry.end
    }
    guard position == dataSize else { throw fail("data area has \(dataSize) bytes, tensors cover \(position)") }
    self.metadata = metadata
    self.entries = entries
    self.names = ordered.map(\.key)
  }

  /// JSON numbers that are exact integers.
  private static func integer(_ value: Any) -> Int? {
    if let n = value as? Int { return n }
    if let d = value as? Double, d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
    return nil
  }

  public func dtype(of name: String) -> DType? { entries[name]?.dtype }
  public func shape(of name: String) -> [Int]? { entries[name]?.shape }

  /// The tensor `name`, sharing the file's mapped pages when its bytes are aligned.
  public func tensor(named name: String) throws -> Tensor {
    guard let e = entries[name] else { throw TorchError.io(path: path, message: "safetensors: no tensor named '\(name)'") }
    let flat = try mapping.tensor(at: dataStart + e.begin, count: e.shape.reduce(1, *), dtype: e.dtype)
    return try flat.view(e.shape)
  }

  /// Every tensor, in file order.
  public func tensors() throws -> [(String, Tensor)] {
    try names.map { ($0, try tensor(named: $0)) }
  }
}

extension DType {
  /// The safetensors dtype code ("F32", "BF16", …).
  var safetensorsName: String {
    switch self {
    case .bool: return "BOOL"
    case .uint8: return "U8"
    case .int8: return "I8"
    case .int16: return "I16"
    case .int32: return "I32"
    case .int64: return "I64"
    case .float16: return "F16"
    case .bfloat16: return "BF16"
    case .float32: return "F32"
    case .float64: return "F64"
    }
  }

  /// Position in the safetensors library's `Dtype` enum, which orders tensors in a file.
  var safetensorsRank: Int {
    switch self {
    case .bool: return 0
    case .uint8: return 1
    case .int8: return 2
    case .int16: return 5
    case .float16: return 7
    case .bfloat16: return 8
    case .int32: return 9
    case .float32: return 11
    case .float64: return 12
    case .int64: return 13
    }
  }

  init?(safetensorsName: String) {
    guard let d = DType.allCases.first(where: { $0.safetensorsName == safetensorsName }) else { return nil }
    self = d
  }
}
