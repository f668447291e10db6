import Foundation
import XCTest

@testable import Torch

private let expectedFixture = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("shared/parity/pth/expected.safetensors").path

final class SafeTensorsTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try FileManager.default.removeItem(at: folder)
  }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  func testReadsReferenceFile() throws {
    let file = try SafeTensors.read(expectedFixture)
    XCTAssertEqual(file.names.count, 15)
    XCTAssertEqual(file.names.first, "bn.num_batches_tracked", "file order")
    XCTAssertEqual(file.names.last, "mask.bool")
    XCTAssertTrue(file.metadata["note"]?.hasPrefix("0-dim tensors") ?? false)
    XCTAssertEqual(file.dtype(of: "bf16.weight"), .bfloat16)
    XCTAssertEqual(file.shape(of: "features.0.0.weight"), [16, 3, 4, 4])
    let mask = try file.tensor(named: "mask.bool")
    XCTAssertEqual(mask.dtype, .bool)
    XCTAssertEqual(mask.shape, [2, 3])
    XCTAssertEqual(try file.tensor(named: "bn.num_batches_tracked").scalars(as: Int64.self).count, 1)
    XCTAssertThrowsError(try file.tensor(named: "missing"))
  }

  /// Writing the reference file's tensors and metadata reproduces its bytes exactly (layout,
  /// order, header format and padding are the reference library's).
  func testWriteMatchesReferenceLibraryBytes() throws {
    let reference = try SafeTensors.read(expectedFixture)
    let out = path("copy.safetensors")
    try SafeTensors.write(try reference.tensors().reversed(), metadata: reference.metadata, to: out)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), try Data(contentsOf: URL(fileURLWithPath: expectedFixture)))
  }

  func testRoundTripEveryDTypeAndLayout() throws {
    let base = try Tensor.arange(0, 24, dtype: .float32).reshape([4, 6])
    var tensors: [(String, Tensor)] = []
    for dtype in DType.allCases { tensors.append(("t.\(dtype)", try base.to(dtype))) }
    tensors.append(("transposed", try base.transpose(0, 1)))  // not contiguous
    tensors.append(("scalar", try Tensor(scalar: Float(2.5))))
    tensors.append(("empty", try Tensor.zeros([0, 3])))
    let out = path("all.safetensors")
    try SafeTensors.write(tensors, metadata: ["format": "pt", "quote\"and\\slash\n": "ünïcode"], to: out)
    let file = try SafeTensors.read(out)
    XCTAssertEqual(file.metadata, ["format": "pt", "quote\"and\\slash\n": "ünïcode"])
    XCTAssertEqual(Set(file.names), Set(tensors.map(\.0)))
    for (name, t) in tensors {
      let back = try file.tensor(named: name)
      XCTAssertEqual(back.dtype, t.dtype, name)
      XCTAssertEqual(back.shape, t.shape, name)
      XCTAssertEqual(try back.bytes(), try t.bytes(), name)
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    XCTAssertEqual(leftovers, ["all.safetensors"], "no temporary file is left behind")
  }

  func testWriteRejectsDuplicateNames() throws {
    let t = try Tensor.zeros([2])
    XCTAssertThrowsError(try SafeTensors.write([("a", t), ("a", t)], to: path("dup.safetensors")))
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("dup.safetensors")))
  }

  /// Tensors are zero-copy views of a private mapping: writing into one never reaches the file.
  func testMappedTensorsAreCopyOnWrite() throws {
    let out = path("cow.safetensors")
    try SafeTensors.write([("w", try Tensor([1, 2, 3] as [Float]))], to: out)
    let before = try Data(contentsOf: URL(fileURLWithPath: out))
    let reader = try SafeTensors.read(out)
    let (a, b) = (try reader.tensor(named: "w"), try reader.tensor(named: "w"))
    XCTAssertEqual(try a.withUnsafeRawPointer { Int(bitPattern: $0) }, try b.withUnsafeRawPointer { Int(bitPattern: $0) },
                   "both tensors are views of the one mapping (no copy)")
    var t: Tensor? = try SafeTensors.read(out).tensor(named: "w")  // the file object is gone, the mapping lives on
    try t!.copy_(try Tensor([9, 9, 9] as [Float]))
    XCTAssertEqual(try t!.scalars(as: Float.self), [9, 9, 9])
    t = nil
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), before)
    XCTAssertEqual(try SafeTensors.read(out).tensor(named: "w").scalars(as: Float.self), [1, 2, 3])
  }

  /// A file laid out by another writer: a float32 after 3 bool bytes is misaligned and is copied.
  func testMisalignedTensorIsCopied() throws {
    let header = #"{"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]},"f":{"dtype":"F32","shape":[2],"data_offsets":[3,11]}}"#
    var data = [UInt8](repeating: 0, count: 8)
    data[0] = UInt8(header.utf8.count)
    data += Array(header.utf8) + [1, 0, 1]
    withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { data += $0 }
    withUnsafeBytes(of: Float(-2).bitPattern.littleEndian) { data += $0 }
    let out = path("odd.safetensors")
    try Data(data).write(to: URL(fileURLWithPath: out))
    let file = try SafeTensors.read(out)
    XCTAssertEqual(file.names, ["b", "f"])
    XCTAssertEqual(try file.tensor(named: "f").scalars(as: Float.self), [1.5, -2])
    XCTAssertEqual(try file.tensor(named: "b").scalars(as: Bool.self), [true, false, true])
  }

  // MARK: - hostile and truncated files

  private func file(header: String, data: Int, declaredLength: UInt64? = nil) throws -> String {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { bytes += $0 }
    bytes += Array(header.utf8) + [UInt8](repeating: 0, count: data)
    let out = path("hostile-\(UUID().uuidString).safetensors")
    try Data(bytes).write(to: URL(fileURLWithPath: out))
    return out
  }

  private func assertRejected(_ path: String, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try SafeTensors.read(path), file: file, line: line) { error in
      XCTAssertTrue("\(error)".contains(text), "\(error)", file: file, line: line)
      XCTAssertTrue("\(error)".contains(path), "names the file: \(error)", file: file, line: line)
    }
  }

  func testHostileHeadersAreRejected() throws {
    let ok = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    XCTAssertNoThrow(try SafeTensors.read(try file(header: ok, data: 8)))
    assertRejected(try file(header: ok, data: 8, declaredLength: 1 << 40), "exceeds the 100000000-byte limit")
    assertRejected(try file(header: ok, data: 8, declaredLength: 5000), "truncated or not a safetensors file")
    assertRejected(try file(header: ok, data: 4), "outside the 4-byte data area")
    assertRejected(try file(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, data: 8), "overflows")
    assertRejected(try file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: 8), "needs 12 bytes")
    assertRejected(try file(header: #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: 8), "bad shape")
    assertRejected(try file(header: #"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, data: 8), "unsupported dtype")
    assertRejected(try file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8), "gap or overlap")
    assertRejected(try file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 4), "gap or overlap")
    assertRejected(try file(header: "{not json", data: 0), "not valid JSON")
    assertRejected(try file(header: #"{"__metadata__":{"n":3}}"#, data: 0), "not a string")
    let short = path("short.safetensors")
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: short))
    assertRejected(short, "too short for a header")
  }
}
