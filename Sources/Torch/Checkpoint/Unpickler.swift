/// A pickle reader that is an allow-list machine: it understands plain data (numbers, strings,
/// bytes, lists, tuples, dicts, sets), `collections.OrderedDict`/`defaultdict`, and whatever the
/// host resolves through `Hooks` (torch's storages and tensor rebuild functions); it never calls
/// anything. Other classes become inert `PickleObject`s; globals named in `PicklePolicy` are
/// rejected. Stack, marks and memo are bounded, and every length is checked against the input
/// before anything is allocated.
struct Unpickler {
  struct Hooks {
    /// `persistent_load(pid)`.
    var persistentLoad: ((PickleValue) throws -> PickleValue)?
    /// Calls of `module.name(args)` the host understands; nil means "not mine".
    var call: ((_ module: String, _ name: String, _ args: [PickleValue]) throws -> PickleValue?)?
  }

  struct Limits {
    var stack = 10_000_000
    var marks = 1_000_000
    var memo = 10_000_000
  }

  private var reader: ByteReader
  private let hooks: Hooks
  private let limits: Limits
  private var stack: [PickleValue] = []
  private var marks: [Int] = []
  private var memo: [Int: PickleValue] = [:]
  private var containers: [PickleContainer] = []

  init(_ bytes: UnsafeRawBufferPointer, source: String, offset: Int = 0, hooks: Hooks = Hooks(), limits: Limits = Limits()) {
    reader = ByteReader(bytes, source: source, offset: offset)
    self.hooks = hooks
    self.limits = limits
  }

  /// Where the next pickle starts once `load` returned (files may hold several in a row).
  var offset: Int { reader.offset }

  /// Runs the program up to STOP and hands its result to `body`. The object graph lives only
  /// during `body`; afterwards containers are emptied one by one (no recursive teardown).
  mutating func load<R>(_ body: (PickleValue) throws -> R) throws -> R {
    defer {
      stack = []
      memo = [:]
      for c in containers { c.clear() }
      containers = []
    }
    return try body(try run())
  }

  private func fail(_ message: String, at position: Int) -> TorchError {
    .io(path: reader.source, message: "pickle at offset \(position): \(message)")
  }

  // MARK: - stack

  private mutating func push(_ value: PickleValue) throws {
    guard stack.count < limits.stack else { throw reader.fail("pickle stack exceeds \(limits.stack) entries") }
    stack.append(value)
  }

  /// Pops above the innermost mark only, as CPython does ("unpickling stack underflow").
  private mutating func pop() throws -> PickleValue {
    guard stack.count > (marks.last ?? 0) else { throw reader.fail("pickle stack underflow") }
    return stack.removeLast()
  }

  private func top() throws -> PickleValue {
    guard stack.count > (marks.last ?? 0), let last = stack.last else { throw reader.fail("pickle stack underflow") }
    return last
  }

  private mutating func popMark() throws -> [PickleValue] {
    guard let mark = marks.popLast(), mark <= stack.count else { throw reader.fail("pickle has no MARK to pop to") }
    defer { stack.removeSubrange(mark...) }
    return Array(stack[mark...])
  }

  private mutating func memoize(_ index: Int, _ value: PickleValue) throws {
    guard index >= 0 else { throw reader.fail("negative memo index \(index)") }
    guard memo[index] != nil || memo.count < limits.memo else { throw reader.fail("pickle memo exceeds \(limits.memo) entries") }
    memo[index] = value
  }

  private func recall(_ index: Int) throws -> PickleValue {
    guard let v = memo[index] else { throw reader.fail("pickle memo has no entry \(index)") }
    return v
  }

  private mutating func make<C: PickleContainer>(_ container: C) -> C {
    containers.append(container)
    return container
  }

  private mutating func sequence(_ kind: PickleSequence.Kind, _ items: [PickleValue] = []) -> PickleValue {
    .sequence(make(PickleSequence(kind, items)))
  }

  // MARK: - the machine

  private mutating func run() throws -> PickleValue {
    while true {
      let at = reader.offset
      let op = try reader.u8()
      switch op {
      case 0x80:  // PROTO
        let p = try reader.u8()
        guard p <= 5 else { throw fail("unsupported pickle protocol \(p)", at: at) }
      case 0x95: _ = try reader.u64()  // FRAME: a length hint only
      case 0x2E: return try pop()  // STOP
      case 0x28:  // MARK
        guard marks.count < limits.marks else { throw reader.fail("pickle has more than \(limits.marks) open MARKs") }
        marks.append(stack.count)
      case 0x30:  // POP
        if stack.count > (marks.last ?? 0) { _ = try pop() } else { _ = try popMark() }
      case 0x31: _ = try popMark()  // POP_MARK
      case 0x32: try push(try top())  // DUP

      case 0x4E: try push(.none)
      case 0x88: try push(.bool(true))
      case 0x89: try push(.bool(false))
      case 0x4A: try push(.int(Int(try reader.integer(Int32.self))))  // BININT
      case 0x4B: try push(.int(Int(try reader.u8())))  // BININT1
      case 0x4D: try push(.int(Int(try reader.u16())))  // BININT2
      case 0x8A: try push(try long(count: Int(try reader.u8())))  // LONG1
      case 0x8B: try push(try long(count: Int(try reader.integer(Int32.self))))  // LONG4
      case 0x49: try push(try textInt(at: at))  // INT
      case 0x4C: try push(try textLong(at: at))  // LONG
      case 0x47: try push(.float(Double(bitPattern: try reader.u64().byteSwapped)))  // BINFLOAT: big-endian
      case 0x46:  // FLOAT
        guard let d = Double(try text()) else { throw fail("bad FLOAT literal", at: at) }
        try push(.float(d))

      case 0x58: try push(.string(try utf8(count: Int(try reader.u32()))))  // BINUNICODE
      case 0x8C: try push(.string(try utf8(count: Int(try reader.u8()))))  // SHORT_BINUNICODE
      case 0x8D: try push(.string(try utf8(count: try length64())))  // BINUNICODE8
      case 0x56: try push(.string(PickleText.rawUnicodeEscape(try reader.line())))  // UNICODE
      case 0x54: try push(.string(PickleText.legacyString(try reader.slice(try length32(at: at)))))  // BINSTRING
      case 0x55: try push(.string(PickleText.legacyString(try reader.slice(Int(try reader.u8())))))  // SHORT_BINSTRING
      case 0x53:  // STRING
        guard let s = PickleText.quotedString(try reader.line()) else { throw fail("bad STRING literal", at: at) }
        try push(.string(s))
      case 0x42: try push(.bytes(Array(try reader.slice(Int(try reader.u32()), "BINBYTES"))))
      case 0x43: try push(.bytes(Array(try reader.slice(Int(try reader.u8()), "SHORT_BINBYTES"))))
      case 0x8E, 0x96: try push(.bytes(Array(try reader.slice(try length64(), "BINBYTES8"))))  // BINBYTES8, BYTEARRAY8

      case 0x29: try push(sequence(.tuple))  // EMPTY_TUPLE
      case 0x85, 0x86, 0x87:  // TUPLE1..3
        let n = Int(op - 0x84)
        var items: [PickleValue] = []
        for _ in 0..<n { items.append(try pop()) }
        try push(sequence(.tuple, items.reversed()))
      case 0x74: try push(sequence(.tuple, try popMark()))  // TUPLE
      case 0x5D: try push(sequence(.list))  // EMPTY_LIST
      case 0x6C: try push(sequence(.list, try popMark()))  // LIST
      case 0x8F: try push(sequence(.set))  // EMPTY_SET
      case 0x91: try push(sequence(.tuple, try popMark()))  // FROZENSET
      case 0x7D: try push(.dict(make(PickleDict())))  // EMPTY_DICT
      case 0x64:  // DICT
        let dict = make(PickleDict())
        try setItems(dict, try popMark(), at: at)
        try push(.dict(dict))
      case 0x61:  // APPEND
        let item = try pop()
        try append([item], to: try top(), at: at)
      case 0x65, 0x90:  // APPENDS, ADDITEMS
        let items = try popMark()
        try append(items, to: try top(), at: at)
      case 0x73:  // SETITEM
        let value = try pop()
        let key = try pop()
        try setItems(in: try top(), [key, value], at: at)
      case 0x75:  // SETITEMS
        let items = try popMark()
        try setItems(in: try top(), items, at: at)

      case 0x70: try memoize(try textIndex(at: at), try top())  // PUT
      case 0x71: try memoize(Int(try reader.u8()), try top())  // BINPUT
      case 0x72: try memoize(Int(try reader.u32()), try top())  // LONG_BINPUT
      case 0x94: try memoize(memo.count, try top())  // MEMOIZE
      case 0x67: try push(try recall(try textIndex(at: at)))  // GET
      case 0x68: try push(try recall(Int(try reader.u8())))  // BINGET
      case 0x6A: try push(try recall(Int(try reader.u32())))  // LONG_BINGET

      case 0x63:  // GLOBAL
        let module = try text()
        let name = try text()
        try push(try global(module, name))
      case 0x93:  // STACK_GLOBAL
        let name = try pop()
        let module = try pop()
        guard case .string(let m) = module, case .string(let n) = name else {
          throw fail("STACK_GLOBAL needs two strings", at: at)
        }
        try push(try global(m, n))
      case 0x52:  // REDUCE
        let args = try pop()
        let callable = try pop()
        try push(try call(callable, arguments(args, at: at), at: at))
      case 0x81:  // NEWOBJ
        let args = try pop()
        let cls = try pop()
        try push(try call(cls, arguments(args, at: at), at: at))
      case 0x92:  // NEWOBJ_EX (keyword arguments are ignored)
        _ = try pop()
        let args = try pop()
        let cls = try pop()
        try push(try call(cls, arguments(args, at: at), at: at))
      case 0x69:  // INST
        let module = try text()
        let name = try text()
        let cls = try global(module, name)
        try push(try call(cls, try popMark(), at: at))
      case 0x6F:  // OBJ
        var items = try popMark()
        guard !items.isEmpty else { throw fail("OBJ without a class", at: at) }
        let cls = items.removeFirst()
        try push(try call(cls, items, at: at))
      case 0x62:  // BUILD: state for an inert object; attributes of anything else are dropped
        let state = try pop()
        if case .object(let o) = try top() { o.state = state }

      case 0x51:  // BINPERSID
        try push(try persistentLoad(try pop(), at: at))
      case 0x50:  // PERSID
        try push(try persistentLoad(.string(try text()), at: at))

      case 0x82, 0x83, 0x84: throw fail("extension registry codes (EXT1/2/4) are not supported", at: at)
      case 0x97, 0x98: throw fail("out-of-band buffers (protocol 5) are not supported", at: at)
      default: throw fail("unknown opcode 0x\(String(op, radix: 16))", at: at)
      }
    }
  }

  // MARK: - operands

  private mutating func text() throws -> String { String(decoding: try reader.line(), as: UTF8.self) }

  private mutating func textIndex(at: Int) throws -> Int {
    guard let i = Int(try text()), i >= 0 else { throw fail("bad memo index", at: at) }
    return i
  }

  private mutating func textInt(at: Int) throws -> PickleValue {
    let t = try text()
    if t == "01" { return .bool(true) }
    if t == "00" { return .bool(false) }
    guard let i = Int(t) else { throw fail("INT literal '\(t.prefix(40))' is not a 64-bit integer", at: at) }
    return .int(i)
  }

  private mutating func textLong(at: Int) throws -> PickleValue {
    var t = try text()
    if t.hasSuffix("L") { t.removeLast() }
    if let i = Int(t) { return .int(i) }
    guard let bytes = Self.twosComplement(decimal: t) else { throw fail("bad LONG literal '\(t.prefix(40))'", at: at) }
    return .bigInt(bytes)
  }

  /// A decimal literal beyond 64 bits as little-endian two's complement bytes (as LONG1 gives
  /// them); nil for anything but an optional sign and up to 4096 digits.
  static func twosComplement(decimal text: String) -> [UInt8]? {
    var digits = Substring(text)
    let negative = digits.first == "-"
    if negative || digits.first == "+" { digits = digits.dropFirst() }
    guard !digits.isEmpty, digits.count <= 4096, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
    var magnitude: [UInt8] = [0]  // little-endian
    for d in digits.utf8 {
      var carry = Int(d - 0x30)
      for k in magnitude.indices {
        let v = Int(magnitude[k]) * 10 + carry
        magnitude[k] = UInt8(v & 0xFF)
        carry = v >> 8
      }
      if carry > 0 { magnitude.append(UInt8(carry)) }
    }
    magnitude.append(0)  // room for the sign bit
    guard negative else { return magnitude }
    var carry = 1
    return magnitude.map { b in
      let v = Int(~b) + carry
      carry = v >> 8
      return UInt8(v & 0xFF)
    }
  }

  private mutating func length32(at: Int) throws -> Int {
    let n = try reader.integer(Int32.self)
    guard n >= 0 else { throw fail("negative length \(n)", at: at) }
    return Int(n)
  }

  private mutating func length64() throws -> Int {
    let n = try reader.u64()
    guard n <= UInt64(reader.remaining) else { throw reader.fail("truncated: length \(n) exceeds the \(reader.remaining) bytes left") }
    return Int(n)
  }

  private mutating func utf8(count: Int) throws -> String {
    String(decoding: try reader.slice(count, "a string"), as: UTF8.self)
  }

  /// LONG1/LONG4: little-endian two's complement of `count` bytes.
  private mutating func long(count: Int) throws -> PickleValue {
    guard count >= 0 else { throw reader.fail("negative LONG length") }
    let raw = try reader.slice(count, "a LONG")
    if count == 0 { return .int(0) }
    if count > 8 { return .bigInt(Array(raw)) }
    var value: UInt64 = 0
    for (k, b) in raw.enumerated() { value |= UInt64(b) << (8 * UInt64(k)) }
    if count < 8, raw[count - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(count)) }  // sign-extend
    return .int(Int(Int64(bitPattern: value)))
  }

  private func arguments(_ value: PickleValue, at: Int) throws -> [PickleValue] {
    guard let items = value.items else { throw fail("call arguments are a \(value.kindName), not a tuple", at: at) }
    return items
  }

  // MARK: - containers

  private func append(_ items: [PickleValue], to target: PickleValue, at: Int) throws {
    switch target {
    case .sequence(let s) where s.kind != .tuple: s.items.append(contentsOf: items)
    case .object(let o): o.contents.append(contentsOf: items)
    default: throw fail("cannot append to a \(target.kindName)", at: at)
    }
  }

  private func setItems(_ dict: PickleDict, _ items: [PickleValue], at: Int) throws {
    guard items.count % 2 == 0 else { throw fail("odd number of dict items", at: at) }
    for k in stride(from: 0, to: items.count, by: 2) { dict.set(items[k], items[k + 1]) }
  }

  private func setItems(in target: PickleValue, _ items: [PickleValue], at: Int) throws {
    switch target {
    case .dict(let d): try setItems(d, items, at: at)
    case .object(let o): o.contents.append(contentsOf: items)
    default: throw fail("cannot set items of a \(target.kindName)", at: at)
    }
  }

  // MARK: - globals and calls

  private func global(_ module: String, _ name: String) throws -> PickleValue {
    try PicklePolicy.check(module: module, name: name, source: reader.source)
    return .global(module: module, name: name)
  }

  private mutating func persistentLoad(_ pid: PickleValue, at: Int) throws -> PickleValue {
    guard let load = hooks.persistentLoad else { throw fail("persistent id without a persistent_load", at: at) }
    return try load(pid)
  }

  /// "Calls" `callable(args)`: the host's functions, plain-data constructors, or else an inert object.
  private mutating func call(_ callable: PickleValue, _ args: [PickleValue], at: Int) throws -> PickleValue {
    guard case .global(let module, let name) = callable else {
      return .object(make(PickleObject(className: "<result of calling a \(callable.kindName)>")))
    }
    if let value = try hooks.call?(module, name, args) { return value }
    switch (module, name) {
    case ("collections", "OrderedDict"), ("collections", "defaultdict"), ("builtins", "dict"), ("__builtin__", "dict"):
      let dict = make(PickleDict())
      // OrderedDict([(k, v), …]); defaultdict's argument is its factory, not items.
      if name != "defaultdict", let pairs = args.first?.items {
        for pair in pairs {
          guard let kv = pair.items, kv.count == 2 else { throw fail("\(module).\(name) item is not a pair", at: at) }
          dict.set(kv[0], kv[1])
        }
      }
      return .dict(dict)
    case ("builtins", "set"), ("builtins", "frozenset"), ("__builtin__", "set"), ("__builtin__", "frozenset"):
      return sequence(name == "set" ? .set : .tuple, args.first?.items ?? [])
    case ("_codecs", "encode"), ("builtins", "bytearray"), ("builtins", "bytes"), ("__builtin__", "bytearray"):
      // Protocol 2 writes bytes as _codecs.encode(text, "latin1").
      switch (args.first, args.count > 1 ? args[1] : nil) {
      case (.bytes(let b)?, _): return .bytes(b)
      case (.string(let s)?, .string(let encoding)?): return .bytes(try PickleText.encode(s, encoding, source: reader.source))
      case (nil, _): return .bytes([])
      default: throw fail("\(module).\(name) with unsupported arguments", at: at)
      }
    case ("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor"):
      guard case .global(let m, let n)? = args.first else { throw fail("_reconstructor without a class", at: at) }
      return .object(make(PickleObject(className: "\(m).\(n)")))
    default:
      return .object(make(PickleObject(className: "\(module).\(name)")))
    }
  }
}
