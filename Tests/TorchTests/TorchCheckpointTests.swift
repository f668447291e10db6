import Foundation
import XCTest

@testable import Torch

/// `../shared/parity/pth`: files torch.save wrote, and `expected.safetensors` with every tensor as
/// it must come out (0-dim tensors stored as [1]).
private let fixtures = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("shared/parity/pth")

final class TorchCheckpointTests: XCTestCase {
  /// The 0-dim tensors of the fixtures (shape [1] in expected.safetensors).
  private let zeroDim: Set = ["scalar", "bn.num_batches_tracked"]

  private func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

  /// Every tensor of `loaded` equals the expected one: same names, dtypes, shapes and bytes.
  private func assertMatchesExpected(_ loaded: [(String, Tensor)], prefix: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
    let expected = try SafeTensors.read(fixture("expected.safetensors"))
    let byName = Dictionary(uniqueKeysWithValues: loaded)
    XCTAssertEqual(Set(loaded.map(\.0)), Set(expected.names.map { prefix + $0 }), file: file, line: line)
    for name in expected.names {
      guard let got = byName[prefix + name] else { continue }
      let want = try expected.tensor(named: name)
      XCTAssertEqual(got.dtype, want.dtype, name, file: file, line: line)
      let shape = zeroDim.contains(name) ? [] : want.shape
      XCTAssertEqual(got.shape, shape, name, file: file, line: line)
      XCTAssertEqual(try got.bytes(), try want.bytes(), name, file: file, line: line)
    }
  }

  func testZipStateDictLoadsExactly() throws {
    let value = try TorchCheckpoint.read(fixture("state_dict.pth"))
    let tensors = value.flatTensors()
    XCTAssertEqual(tensors.first?.0, "features.0.0.weight", "pickle order is kept")
    try assertMatchesExpected(tensors)
  }

  func testLegacyFormatLoadsExactly() throws {
    try assertMatchesExpected(try TorchCheckpoint.read(fixture("legacy.pth")).flatTensors())
  }

  func testSharedStorageBecomesViews() throws {
    for name in ["state_dict.pth", "legacy.pth"] {
      let tensors = Dictionary(uniqueKeysWithValues: try TorchCheckpoint.read(fixture(name)).flatTensors())
      let a = try XCTUnwrap(tensors["shared.a"]), b = try XCTUnwrap(tensors["shared.b"])
      let transposed = try XCTUnwrap(tensors["transposed"])
      XCTAssertEqual(a.storageOffset, 16, name)
      XCTAssertEqual(b.storageOffset, 48, name)
      XCTAssertEqual(transposed.strides, [1, 8], name)
      XCTAssertFalse(transposed.isContiguous, name)
      // One storage: writing through `a` shows in `transposed` (element 16 = transposed[0, 2]),
      // and the copy-on-write mapping leaves the file alone.
      try a.copy_(try Tensor.full([3, 8], 7))
      XCTAssertEqual(try transposed.scalars(as: Float.self)[2], 7, name)  // transposed[i, j] = storage[i + 8j]
    }
    let reread = Dictionary(uniqueKeysWithValues: try TorchCheckpoint.read(fixture("state_dict.pth")).flatTensors())
    XCTAssertNotEqual(try reread["shared.a"]!.scalars(as: Float.self)[0], 7)
  }

  func testLightningCheckpointTree() throws {
    let ckpt = try TorchCheckpoint.read(fixture("lightning_like.ckpt"))
    guard case .int(29)? = ckpt["epoch"], case .int(9480)? = ckpt["global_step"],
      case .string("2.4.0")? = ckpt["pytorch-lightning_version"], case .none? = ckpt["loops"]
    else { return XCTFail("top-level values: \(ckpt)") }
    guard case .unknownObject("__main__.HParams")? = ckpt["hyper_parameters"]?["config"] else {
      return XCTFail("an object of an unknown class is kept as its class name")
    }
    guard case .list(let classes)? = ckpt["hyper_parameters"]?["classes"], classes.count == 3,
      case .string("building") = classes[1], case .float(0.02)? = ckpt["hyper_parameters"]?["ratio"]
    else { return XCTFail("hyper_parameters") }

    let expected = try SafeTensors.read(fixture("expected.safetensors"))
    let keys = try XCTUnwrap(expected.metadata["lightning_state_dict_keys"]).split(separator: ",").map(String.init)
    let stateDict = try XCTUnwrap(ckpt["state_dict"]).flatTensors()
    XCTAssertEqual(stateDict.map(\.0), keys)
    for (name, t) in stateDict {
      XCTAssertEqual(try t.bytes(), try expected.tensor(named: String(name.dropFirst("net.".count))).bytes(), name)
    }
    let all = ckpt.flatTensors().map(\.0)
    XCTAssertEqual(all, keys.map { "state_dict." + $0 } + ["optimizer_states.0.state.0.step", "optimizer_states.0.state.0.exp_avg"])
    let step = try XCTUnwrap(ckpt.flatTensors().first { $0.0.hasSuffix(".step") }?.1)
    XCTAssertEqual(step.shape, [])
  }

  // MARK: - hostile and truncated files

  private func temporaryFile(_ bytes: [UInt8], _ name: String = "hostile.pth") throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)-\(name)")
    try Data(bytes).write(to: url)
    addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
  }

  private func assertReadFails(_ bytes: [UInt8], containing text: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let path = try temporaryFile(bytes)
    XCTAssertThrowsError(try TorchCheckpoint.read(path), file: file, line: line) { error in
      XCTAssertTrue("\(error)".contains(text), "\(error)", file: file, line: line)
      XCTAssertTrue("\(error)".contains(path), "the error names the file: \(error)", file: file, line: line)
    }
  }

  func testTruncatedZipIsRejected() throws {
    let bytes = try [UInt8](Data(contentsOf: fixtures.appendingPathComponent("state_dict.pth")))
    try assertReadFails(Array(bytes.prefix(bytes.count - 30)), containing: "end-of-central-directory")
    try assertReadFails(Array(bytes.prefix(3000)), containing: "end-of-central-directory")
  }

  func testCompressedEntryIsRejected() throws {
    let zip = TestZip.make([("archive/data.pkl", [0x80, 0x02, 0x4E, 0x2E])], method: 8)
    try assertReadFails(zip, containing: "compressed (method 8)")
  }

  func testZip64Archive() throws {
    let pickle: [UInt8] = [0x80, 0x02, 0x4B, 42, 0x2E]  // the int 42
    for zip64 in [false, true] {
      let path = try temporaryFile(TestZip.make([("any_name/data.pkl", pickle), ("any_name/byteorder", Array("little".utf8))], zip64: zip64))
      guard case .int(42) = try TorchCheckpoint.read(path) else { return XCTFail("zip64 \(zip64)") }
    }
  }

  func testEntrySizesAreValidated() throws {
    var zip = TestZip.make([("a/data.pkl", [0x80, 0x02, 0x4E, 0x2E])])
    // Central directory entry: compressed and uncompressed sizes at +20 and +24; claim 1 GB.
    let central = TestZip.centralDirectoryOffset(zip)
    for k in 0..<2 { zip.replaceSubrange(central + 20 + 4 * k..<central + 24 + 4 * k, with: [0, 0, 0, 0x40]) }
    try assertReadFails(zip, containing: "runs past the data area")
    // An entry count that cannot fit in the directory.
    var counted = TestZip.make([("a/data.pkl", [0x80, 0x02, 0x4E, 0x2E])])
    counted.replaceSubrange(counted.count - 12..<counted.count - 10, with: [0xFE, 0xFF])
    try assertReadFails(counted, containing: "entries cannot fit")
  }

  func testHostilePickleInCheckpointIsRejected() throws {
    // os.system("echo pwned") through REDUCE.
    let pickle: [UInt8] = [0x80, 0x02, 0x63] + Array("os\nsystem\n".utf8) + [0x58, 11, 0, 0, 0] + Array("echo pwned".utf8) + [0x20, 0x85, 0x52, 0x2E]
    try assertReadFails(TestZip.make([("a/data.pkl", pickle)]), containing: "os.system")
  }

  /// A checkpoint holding `_rebuild_tensor_v2` of a view with `size` and `stride` into a storage of 4 floats.
  /// With `parameter`, the tensor is wrapped as torch.save writes an `nn.Parameter`:
  /// `_rebuild_parameter(tensor, True, OrderedDict())`.
  private func viewCheckpoint(size: [Int32], stride: [Int32], parameter: Bool = false) -> [UInt8] {
    func ints(_ values: [Int32]) -> [UInt8] {
      [0x28] + values.flatMap { [0x4A] + withUnsafeBytes(of: $0.littleEndian, Array.init) } + [0x74]  // MARK BININT… TUPLE
    }
    var pickle: [UInt8] = [0x80, 0x02]
    if parameter { pickle += [0x63] + Array("torch._utils\n_rebuild_parameter\n".utf8) + [0x28] }
    pickle += [0x63] + Array("torch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28]
    pickle += [0x28, 0x58, 7, 0, 0, 0] + Array("storage".utf8) + [0x63] + Array("torch\nFloatStorage\n".utf8)
    pickle += [0x58, 1, 0, 0, 0, 0x30, 0x58, 3, 0, 0, 0] + Array("cpu".utf8) + [0x4B, 4, 0x74, 0x51]  // persistent id
    pickle += [0x4B, 0] + ints(size) + ints(stride) + [0x89, 0x4E, 0x74, 0x52]  // offset 0, …, REDUCE
    if parameter { pickle += [0x88, 0x63] + Array("collections\nOrderedDict\n".utf8) + [0x29, 0x52, 0x74, 0x52] }
    pickle.append(0x2E)  // STOP
    return TestZip.make([("a/data.pkl", pickle), ("a/data/0", [UInt8](repeating: 0, count: 16))])
  }

  /// Views that reach past their storage, or whose element count overflows, are refused before
  /// libtorch sees them; a valid view (also a broadcast one with stride 0) loads.
  func testViewsAreValidated() throws {
    try assertReadFails(viewCheckpoint(size: [3, 3], stride: [3, 1]), containing: "reaches past its storage")
    try assertReadFails(viewCheckpoint(size: [1 << 30, 1 << 30, 1 << 30], stride: [0, 0, 0]), containing: "overflows the element count")
    try assertReadFails(viewCheckpoint(size: [2], stride: [-1]), containing: "negative")
    guard case .tensor(let t) = try TorchCheckpoint.read(try temporaryFile(viewCheckpoint(size: [2, 2], stride: [2, 1]))),
      case .tensor(let b) = try TorchCheckpoint.read(try temporaryFile(viewCheckpoint(size: [3, 4], stride: [0, 1])))
    else { return XCTFail("valid views") }
    XCTAssertEqual(t.shape, [2, 2])
    XCTAssertEqual(b.strides, [0, 1])
    guard case .tensor(let p) = try TorchCheckpoint.read(try temporaryFile(viewCheckpoint(size: [4], stride: [1], parameter: true))) else {
      return XCTFail("an nn.Parameter loads as its tensor")
    }
    XCTAssertEqual(p.shape, [4])
  }

  func testLegacyTruncatedStorageIsRejected() throws {
    let bytes = try [UInt8](Data(contentsOf: fixtures.appendingPathComponent("legacy.pth")))
    try assertReadFails(Array(bytes.prefix(bytes.count - 100)), containing: "more than the file holds")
    try assertReadFails(Array(bytes.prefix(1000)), containing: "truncated")
  }

  func testNotACheckpoint() throws {
    try assertReadFails(Array("hello".utf8), containing: "not a PyTorch checkpoint")
  }
}

/// Writes small zip archives of stored (or falsely "compressed") entries, optionally with ZIP64
/// records, to test the reader without fixtures.
enum TestZip {
  static func make(_ entries: [(String, [UInt8])], method: UInt16 = 0, zip64: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    func u16(_ v: Int, _ to: inout [UInt8]) { to += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func u32(_ v: Int, _ to: inout [UInt8]) { for k in 0..<4 { to.append(UInt8(v >> (8 * k) & 0xFF)) } }
    func u64(_ v: Int, _ to: inout [UInt8]) { for k in 0..<8 { to.append(UInt8(v >> (8 * k) & 0xFF)) } }
    for (name, data) in entries {
      let offset = out.count
      let n = Array(name.utf8)
      u32(0x0403_4b50, &out); u16(20, &out); u16(0, &out); u16(Int(method), &out); u32(0, &out); u32(0, &out)
      u32(data.count, &out); u32(data.count, &out); u16(n.count, &out); u16(0, &out)
      out += n + data
      u32(0x0201_4b50, &central); u16(45, &central); u16(45, &central); u16(0, &central); u16(Int(method), &central)
      u32(0, &central); u32(0, &central)
      if zip64 {
        u32(0xFFFF_FFFF, &central); u32(0xFFFF_FFFF, &central)
      } else {
        u32(data.count, &central); u32(data.count, &central)
      }
      u16(n.count, &central); u16(zip64 ? 28 : 0, &central); u16(0, &central); u16(0, &central); u16(0, &central); u32(0, &central)
      u32(zip64 ? 0xFFFF_FFFF : offset, &central)
      central += n
      if zip64 {
        u16(1, &central); u16(24, &central); u64(data.count, &central); u64(data.count, &central); u64(offset, &central)
      }
    }
    let directory = out.count
    out += central
    if zip64 {
      let record = out.count
      u32(0x0606_4b50, &out); u64(44, &out); u16(45, &out); u16(45, &out); u32(0, &out); u32(0, &out)
      u64(entries.count, &out); u64(entries.count, &out); u64(central.count, &out); u64(directory, &out)
      u32(0x0706_4b50, &out); u32(0, &out); u64(record, &out); u32(1, &out)
    }
    u32(0x0605_4b50, &out); u16(0, &out); u16(0, &out)
    u16(zip64 ? 0xFFFF : entries.count, &out); u16(zip64 ? 0xFFFF : entries.count, &out)
    u32(zip64 ? 0xFFFF_FFFF : central.count, &out); u32(zip64 ? 0xFFFF_FFFF : directory, &out); u16(0, &out)
    return out
  }

  /// Where the central directory starts, from a non-ZIP64 end record.
  static func centralDirectoryOffset(_ zip: [UInt8]) -> Int {
    (0..<4).reduce(0) { $0 | Int(zip[zip.count - 6 + $1]) << (8 * $1) }
  }
}
