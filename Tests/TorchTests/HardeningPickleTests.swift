import Foundation
import XCTest

@testable import Torch

/// Hostile pickles written by Python's own pickle module (`Fuzz/make-seeds.py` → `Fuzz/hostile/`,
/// with `expected.json` naming the global each must be refused for): none is executed, each is
/// refused with an error naming the file and the global.
final class HardeningPickleTests: XCTestCase {
  private static let hostile = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/hostile")

  func testHostilePicklesAreRefusedByName() throws {
    let expected = try JSONSerialization.jsonObject(
      with: Data(contentsOf: Self.hostile.appendingPathComponent("expected.json"))) as! [String: String]
    XCTAssertGreaterThanOrEqual(expected.count, 40)
    for (name, global) in expected.sorted(by: { $0.key < $1.key }) {
      let path = Self.hostile.appendingPathComponent(name).path
      // torch.save archives through the checkpoint reader, bare pickles through both readers.
      var readers: [(String, () throws -> Void)] = [("TorchCheckpoint", { _ = try TorchCheckpoint.read(path) })]
      if !name.hasSuffix(".pth") { readers = [("Pickle", { _ = try Pickle.read(path) })] }
      for (reader, read) in readers {
        XCTAssertThrowsError(try read(), "\(reader) \(name)") { error in
          let text = "\(error)"
          XCTAssertTrue(text.contains("refused: the pickle references the global \(global)"), "\(reader) \(name): \(text)")
          XCTAssertTrue(text.contains(path), "\(reader) \(name) names the file: \(text)")
        }
      }
    }
  }

  private func load(_ program: [UInt8]) throws -> CheckpointValue {
    try program.withUnsafeBytes { bytes in
      var machine = Unpickler(bytes, source: "test.pkl")
      return try machine.load { try CheckpointValue($0, source: "test.pkl") }
    }
  }

  private func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }

  /// Globals that build code or load further files are refused, though never called.
  func testCodeBuildingGlobalsAreRefused() {
    for (module, name) in [("types", "CodeType"), ("torch", "load"), ("_posixsubprocess", "fork_exec"), ("numpy", "load"),
                           ("ctypes.util", "find_library")] {
      XCTAssertThrowsError(try load([0x80, 0x02] + global(module, name) + [0x2E])) { error in
        XCTAssertTrue("\(error)".contains("\(module).\(name)"), "\(error)")
      }
    }
    // A plain unknown class is only recorded by name.
    guard case .unknownObject("mylab.Config") = try? load([0x80, 0x02] + global("mylab", "Config") + [0x29, 0x81, 0x2E]) else {
      return XCTFail("an unknown class becomes an inert record")
    }
  }

  /// Protocol 0 writes integers beyond 64 bits as decimal LONG literals (found by the corpus).
  func testDecimalLongsBeyond64Bits() throws {
    XCTAssertEqual(Unpickler.twosComplement(decimal: "1208925819614629174706176"), [UInt8](repeating: 0, count: 10) + [1, 0])  // 2^80
    XCTAssertEqual(Unpickler.twosComplement(decimal: "-129"), [0x7F, 0xFF])  // 0xFF7F
    XCTAssertNil(Unpickler.twosComplement(decimal: "12a"))
    guard case .list(let items) = try load(Array("(lp0\nL1208925819614629174706176L\naL-5L\na.".utf8)), items.count == 2,
      case .unknownObject("int (beyond 64 bits)") = items[0], case .int(-5) = items[1]
    else { return XCTFail("protocol 0 longs") }
  }

  /// `_rebuild_from_type_v2(_rebuild_from_type_v2, …, (_rebuild_from_type_v2, …, (…)))` nested
  /// deeply would recurse once per level; only one level is accepted.
  func testNestedTensorSubclassRebuildIsRefused() throws {
    let rebuild = global("torch._tensor", "_rebuild_from_type_v2")
    // rebuild(rebuild, None, (rebuild, None, ())): MARK … TUPLE twice, then REDUCE.
    let p = [0x80, 0x02] + rebuild + [0x28] + rebuild + [0x4E, 0x28] + rebuild + [0x4E, 0x29, 0x74, 0x74, 0x52, 0x2E]
    let storages = TorchStorages(source: "nested.pkl") { _ in throw TorchError.io(path: "nested.pkl", message: "no storage") }
    XCTAssertThrowsError(try p.withUnsafeBytes { bytes in
      var machine = Unpickler(bytes, source: "nested.pkl", hooks: storages.hooks)
      return try machine.load { _ in () }
    }) { error in
      XCTAssertTrue("\(error)".contains("_rebuild_from_type_v2 with unexpected arguments"), "\(error)")
    }
  }
}
