import XCTest

@testable import Torch

/// Pickle programs written opcode by opcode (the bytes CPython's pickle would produce).
private enum P {
  static let proto2: [UInt8] = [0x80, 0x02]
  static let mark: UInt8 = 0x28, stop: UInt8 = 0x2E, none: UInt8 = 0x4E, tuple: UInt8 = 0x74
  static let emptyList: UInt8 = 0x5D, emptyDict: UInt8 = 0x7D, appends: UInt8 = 0x65, append: UInt8 = 0x61
  static let setItems: UInt8 = 0x75, reduce: UInt8 = 0x52, newObj: UInt8 = 0x81, build: UInt8 = 0x62
  static let emptyTuple: UInt8 = 0x29, newTrue: UInt8 = 0x88

  static func str(_ s: String) -> [UInt8] {
    let b = Array(s.utf8)
    return [0x58] + withUnsafeBytes(of: UInt32(b.count).littleEndian, Array.init) + b
  }
  static func int(_ i: UInt8) -> [UInt8] { [0x4B, i] }
  static func float(_ d: Double) -> [UInt8] { [0x47] + withUnsafeBytes(of: d.bitPattern.bigEndian, Array.init) }
  static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
  static func put(_ i: UInt8) -> [UInt8] { [0x71, i] }
  static func get(_ i: UInt8) -> [UInt8] { [0x68, i] }
}

final class PickleTests: XCTestCase {
  private func load(_ program: [UInt8], limits: Unpickler.Limits = .init(), valueLimits: CheckpointValue.Limits = .init()) throws -> CheckpointValue {
    try program.withUnsafeBytes { bytes in
      var machine = Unpickler(bytes, source: "test.pkl", limits: limits)
      return try machine.load { try CheckpointValue($0, source: "test.pkl", limits: valueLimits) }
    }
  }

  private func assertFails(_ program: [UInt8], _ text: String, limits: Unpickler.Limits = .init(),
                           valueLimits: CheckpointValue.Limits = .init(), file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try load(program, limits: limits, valueLimits: valueLimits), file: file, line: line) { error in
      XCTAssertTrue("\(error)".contains(text), "\(error)", file: file, line: line)
    }
  }

  func testPlainDataAndMemoSharing() throws {
    // {"a": [1, 2.5, None, True], "b": <the same list>, "c": ("x", b"\x00\xff"), 3: {}}
    // The list is memoized while still empty and filled afterwards, as CPython writes it.
    var p = P.proto2 + [P.emptyDict, P.mark] + P.str("a") + [P.emptyList] + P.put(1) + [P.mark]
    p += P.int(1) + P.float(2.5) + [P.none, P.newTrue, P.appends]
    p += P.str("b") + P.get(1)
    p += P.str("c") + [P.mark] + P.str("x") + P.global("_codecs", "encode") + P.str("\u{00}\u{ff}") + P.str("latin1") + [0x86, P.reduce, P.tuple]
    p += P.int(3) + [P.emptyDict, P.setItems, P.stop]
    let value = try load(p)
    guard case .dict(let items) = value, items.count == 4 else { return XCTFail("\(value)") }
    for key in ["a", "b"] {
      guard case .list(let list)? = value[key], list.count == 4, case .int(1) = list[0], case .float(2.5) = list[1],
        case .none = list[2], case .bool(true) = list[3]
      else { return XCTFail("\(key): \(String(describing: value[key]))") }
    }
    guard case .tuple(let c)? = value["c"], case .string("x") = c[0], case .bytes([0, 255]) = c[1] else {
      return XCTFail("c: \(String(describing: value["c"]))")
    }
    guard case .int(3) = items[3].key, case .dict(let inner) = items[3].value, inner.isEmpty else { return XCTFail("integer key") }
  }

  func testOrderedDictAndUnknownClass() throws {
    // OrderedDict() with items, and __main__.Config() with state: the object is kept by name only.
    var p = P.proto2 + P.global("collections", "OrderedDict") + [P.emptyTuple, P.reduce, P.mark]
    p += P.str("z") + P.int(1) + P.str("y") + P.global("__main__", "Config") + [P.emptyTuple, P.newObj, P.emptyDict]
    p += P.str("lr") + P.float(0.1) + [0x73, P.build, P.setItems, P.stop]  // SETITEM on the state, BUILD
    let value = try load(p)
    guard case .dict(let items) = value, items.count == 2, case .string("z") = items[0].key,
      case .unknownObject("__main__.Config") = items[1].value
    else { return XCTFail("\(value)") }
  }

  func testDangerousGlobalsAreRejectedByName() {
    assertFails(P.proto2 + P.global("os", "system") + P.str("id") + [0x85, P.reduce, P.stop], "os.system")
    assertFails(P.proto2 + P.global("builtins", "eval") + P.str("1") + [0x85, P.reduce, P.stop], "builtins.eval")
    assertFails(P.proto2 + P.global("subprocess", "Popen") + [P.stop], "subprocess.Popen")
    // STACK_GLOBAL (protocol 4) and submodules of forbidden modules.
    assertFails([0x80, 0x04] + P.str("os.path") + P.str("join") + [0x93, P.stop], "os.path.join")
    assertFails(P.proto2 + P.global("__builtin__", "getattr") + [P.stop], "__builtin__.getattr")
  }

  func testMalformedProgramsFail() {
    assertFails(P.proto2 + P.str("abc"), "truncated")  // no STOP
    assertFails(P.proto2 + [0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x41], "truncated")  // string longer than the input
    assertFails(P.proto2 + [0x8E] + [UInt8](repeating: 0xFF, count: 8), "exceeds")  // BINBYTES8 of 2^64-1 bytes
    assertFails(P.proto2 + [P.reduce, P.stop], "underflow")
    assertFails(P.proto2 + [P.mark, P.tuple, P.tuple, P.stop], "MARK")
    assertFails(P.proto2 + P.get(7) + [P.stop], "memo has no entry 7")
    assertFails(P.proto2 + [0xFF], "unknown opcode 0xff")
    assertFails(P.proto2 + [0x51, P.stop], "underflow")  // BINPERSID with nothing to load
    assertFails(P.proto2 + [P.none, 0x51, P.stop], "persistent")
  }

  func testGrowthIsBounded() {
    let limits = Unpickler.Limits(stack: 100, marks: 10, memo: 5)
    assertFails(P.proto2 + [UInt8](repeating: P.none, count: 101) + [P.stop], "stack exceeds 100", limits: limits)
    assertFails(P.proto2 + [UInt8](repeating: P.mark, count: 11) + [P.stop], "more than 10 open MARKs", limits: limits)
    assertFails(P.proto2 + [P.none] + (0..<6).flatMap { P.put($0) } + [P.stop], "memo exceeds 5", limits: limits)
  }

  func testCyclesDepthAndExpansionAreBounded() {
    // l = []; l.append(l)
    assertFails(P.proto2 + [P.emptyList] + P.put(0) + P.get(0) + [P.append, P.stop], "includes itself")
    // 300 000 nested tuples ((((…),),),), each made after its content: the machine tears such a
    // graph down without recursion (a recursive release would overflow the stack).
    let deep = P.proto2 + [P.emptyList] + [UInt8](repeating: 0x85, count: 300_000) + [P.stop]
    assertFails(deep, "deeper than 256")
    // "Billion laughs": each list holds the previous one twice; 40 levels are 2^40 leaves.
    var laughs = P.proto2 + [P.emptyList] + P.put(0)
    for k in 1...40 { laughs += [P.emptyList, P.mark] + P.get(UInt8(k - 1)) + P.get(UInt8(k - 1)) + [P.appends] + P.put(UInt8(k)) }
    assertFails(laughs + [P.stop], "expands to more than 100000", valueLimits: .init(depth: 256, nodes: 100_000))
  }

  func testLegacyTextOpcodes() throws {
    // Protocol 0: (lp0\nI1\naF2.5\naS'a\\x41\\n'\naVcaf\\u00e9\na.
    let text = "(lp0\nI1\naF2.5\naS'a\\x41\\n'\naVcaf\\u00e9\naI01\na."
    guard case .list(let items) = try load(Array(text.utf8)), items.count == 5, case .int(1) = items[0],
      case .float(2.5) = items[1], case .string("aA\n") = items[2], case .string("café") = items[3], case .bool(true) = items[4]
    else { return XCTFail("protocol 0 list") }
  }

  func testLongIntegers() throws {
    // LONG1 of -2 (one byte), of 2^40 (six bytes), and of 2^80 (beyond 64 bits).
    let p = P.proto2 + [P.mark, 0x8A, 1, 0xFE, 0x8A, 6, 0, 0, 0, 0, 0, 1, 0x8A, 11] + [UInt8](repeating: 0, count: 10) + [1, 0x74, P.stop]
    guard case .tuple(let items) = try load(p), case .int(-2) = items[0], case .int(1 << 40) = items[1],
      case .unknownObject = items[2]
    else { return XCTFail("longs") }
  }
}

final class PickleFileTests: XCTestCase {
  /// A RefCOCO-style annotation pickle (protocol 2) from the RRSIS-D fixtures.
  func testReadsDatasetPickle() throws {
    let path = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("shared/parity/rrsis_formats/rrsisd/refs(unc).p").path
    guard case .list(let refs) = try Pickle.read(path) else { return XCTFail("a list of refs") }
    XCTAssertEqual(refs.count, 8)
    guard case .int(100)? = refs[0]["ref_id"], case .string("01000.jpg")? = refs[0]["file_name"],
      case .list(let sentences)? = refs[0]["sentences"], case .string("the white car next to the road")? = sentences.first?["raw"]
    else { return XCTFail("\(refs[0])") }
  }
}
