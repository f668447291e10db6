/// Reads PyTorch checkpoints (`.pth`, `.pt`, `.ckpt`: whatever `torch.save` wrote) without
/// Python: the zip format of PyTorch ≥ 1.6 and the legacy format before it.
///
/// The pickle inside is read by an allow-list machine that never calls anything (see
/// `Unpickler`): tensors, storages, `OrderedDict` and plain data come out; objects of other
/// classes become `.unknownObject`; a pickle naming `os.system`, `builtins.eval` and the like is
/// rejected. Tensors are CPU tensors (whatever device they were saved from) in their saved dtype;
/// those of the zip format map the file without copying (copy-on-write, see `MappedFile`), and
/// tensors that shared a storage when saved are views of one storage again.
///
/// ```swift
/// let checkpoint = try TorchCheckpoint.read("epoch=29.ckpt")
/// for (name, tensor) in checkpoint["state_dict"]?.flatTensors() ?? [] { … }
/// ```
public enum TorchCheckpoint {
  /// The object `torch.save` wrote.
  /// - Throws: `TorchError.io` naming the file and the problem (truncated, hostile, unsupported).
  public static func read(_ path: String) throws -> CheckpointValue {
    let file = try MappedFile(path: path)
    if ZipArchive.hasSignature(file.bytes) { return try readZip(file) }
    if file.bytes.first == 0x80 { return try readLegacy(file) }
    throw TorchError.io(path: path, message: "not a PyTorch checkpoint (neither a torch.save zip archive nor a legacy pickle)")
  }

  /// Whether the first bytes look like a `torch.save` file (zip archive or pickle).
  public static func looksLikeCheckpoint(_ prefix: [UInt8]) -> Bool {
    prefix.starts(with: [0x50, 0x4B, 0x03, 0x04]) || prefix.first == 0x80
  }

  // MARK: - zip format: <archive>/data.pkl, <archive>/data/<key>, <archive>/byteorder

  private static func readZip(_ file: MappedFile) throws -> CheckpointValue {
    let zip = try ZipArchive(file.bytes, source: file.path)
    let pickles = zip.entries.filter { $0.name.hasSuffix("/data.pkl") && $0.name.split(separator: "/").count == 2 }
    guard pickles.count == 1, let pickle = pickles.first else {
      throw TorchError.io(path: file.path, message: pickles.isEmpty
        ? "zip archive without <archive>/data.pkl (not a torch.save file; TorchScript archives are not supported)"
        : "zip archive with several data.pkl entries")
    }
    let prefix = String(pickle.name.dropLast("data.pkl".count))
    if let order = zip.entry(named: prefix + "byteorder") {
      let text = String(decoding: file.bytes[order.dataOffset..<order.dataOffset + order.size], as: UTF8.self)
      guard text == "little" else { throw TorchError.io(path: file.path, message: "byte order '\(text)' is not supported") }
    }
    let storages = TorchStorages(source: file.path) { request in
      let name = prefix + "data/" + request.key
      guard let entry = zip.entry(named: name) else {
        throw TorchError.io(path: file.path, message: "storage entry \(name) is missing")
      }
      let (need, overflow) = request.count.multipliedReportingOverflow(by: request.dtype.size)
      guard !overflow, need <= entry.size else {
        throw TorchError.io(path: file.path, message: "storage \(name) has \(entry.size) bytes, \(request.count) \(request.dtype) elements need more")
      }
      return try file.tensor(at: entry.dataOffset, count: request.count, dtype: request.dtype)
    }
    let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[pickle.dataOffset..<pickle.dataOffset + pickle.size])
    var machine = Unpickler(bytes, source: "\(file.path) (\(pickle.name))", hooks: storages.hooks)
    return try machine.load { try CheckpointValue($0, source: file.path) }
  }

  // MARK: - legacy format

  /// `torch.save(_use_new_zipfile_serialization=False)`: five pickles in a row (magic number,
  /// protocol version, sys_info, the object, the storage keys), then each storage as an 8-byte
  /// element count and its raw bytes, in the order of the keys.
  private static func readLegacy(_ file: MappedFile) throws -> CheckpointValue {
    let path = file.path
    func fail(_ message: String) -> TorchError { .io(path: path, message: "legacy checkpoint: \(message)") }
    var offset = 0
    func next<R>(hooks: Unpickler.Hooks = .init(), _ body: (PickleValue) throws -> R) throws -> R {
      var machine = Unpickler(file.bytes, source: path, offset: offset, hooks: hooks)
      let result = try machine.load(body)
      offset = machine.offset
      return result
    }
    let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]  // 0x1950a86a20f9469cfc6c
    try next { value in
      guard case .bigInt(let b) = value, b == magic else { throw fail("bad magic number (not a torch.save file)") }
    }
    try next { value in
      guard case .int(1001) = value else { throw fail("unsupported protocol version \(value.kindName)") }
    }
    try next { value in
      guard case .dict(let info) = value,
        let little = info.items.first(where: { if case .string("little_endian") = $0.key { true } else { false } })
      else { throw fail("sys_info is not a dict") }
      guard case .bool(true) = little.value else { throw fail("big-endian files are not supported") }
    }
    let objectOffset = offset
    // Pass 1: find where the object pickle ends and which storages it uses.
    let scan = TorchStorages(source: path, collecting: true) { _ in throw fail("unreachable") }
    try next(hooks: scan.hooks) { _ in }
    let keys: [String] = try next { value in
      guard let items = value.items else { throw fail("storage keys are not a list") }
      return try items.map {
        guard case .string(let s) = $0 else { throw fail("storage key is not a string") }
        return s
      }
    }
    var dtypes: [String: DType] = [:]
    for request in scan.requests { dtypes[request.key] = request.dtype }
    var reader = ByteReader(file.bytes, source: path, offset: offset)
    var located: [String: (offset: Int, count: Int)] = [:]
    for key in keys {
      guard let dtype = dtypes[key] else { throw fail("storage \(key) is listed but never used") }
      let count = try reader.u64()
      guard count <= UInt64(reader.remaining / dtype.size) else {
        throw fail("storage \(key) claims \(count) elements, more than the file holds")
      }
      located[key] = (reader.offset, Int(count))
      try reader.skip(Int(count) * dtype.size)
    }
    // Pass 2: the object, with its storages in hand.
    let storages = TorchStorages(source: path) { request in
      guard let at = located[request.key] else { throw fail("storage \(request.key) is not in the file") }
      return try file.tensor(at: at.offset, count: at.count, dtype: request.dtype)
    }
    offset = objectOffset
    return try next(hooks: storages.hooks) { try CheckpointValue($0, source: path) }
  }
}
