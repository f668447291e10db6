/// A value of the pickle machine. Containers are classes because pickle programs mutate them
/// after storing them in the memo (`EMPTY_LIST, BINPUT, MARK, …, APPENDS`), and every later
/// reference must see the same object. Nothing here is a live Python object: a class or function
/// the machine does not know stays a name (`global`) or an inert record (`object`).
enum PickleValue {
  case none
  case bool(Bool)
  case int(Int)
  /// An integer beyond 64 bits: little-endian two's complement bytes.
  case bigInt([UInt8])
  case float(Double)
  case string(String)
  case bytes([UInt8])
  /// list, tuple or set.
  case sequence(PickleSequence)
  case dict(PickleDict)
  /// A reference to `module.name` (never resolved to anything callable).
  case global(module: String, name: String)
  /// An instance of a class the machine does not know, kept only by its class name.
  case object(PickleObject)
  /// Something the host made while reading: a storage or a tensor.
  case external(AnyObject)

  /// The items of a tuple (or list), for reading call arguments.
  var items: [PickleValue]? {
    if case .sequence(let s) = self { return s.items }
    return nil
  }

  var kindName: String {
    switch self {
    case .none: return "None"
    case .bool: return "bool"
    case .int, .bigInt: return "int"
    case .float: return "float"
    case .string: return "str"
    case .bytes: return "bytes"
    case .sequence(let s): return s.kind.rawValue
    case .dict: return "dict"
    case .global(let m, let n): return "\(m).\(n)"
    case .object(let o): return o.className
    case .external(let x): return String(describing: type(of: x))
    }
  }
}

/// A container whose contents the machine drops iteratively when it is done, so that a hostile,
/// deeply nested pickle cannot overflow the stack through recursive deinitialisation.
protocol PickleContainer: AnyObject {
  func clear()
}

final class PickleSequence: PickleContainer {
  enum Kind: String { case list, tuple, set }
  let kind: Kind
  var items: [PickleValue]

  init(_ kind: Kind, _ items: [PickleValue] = []) {
    self.kind = kind
    self.items = items
  }

  func clear() { items = [] }
}

/// An insertion-ordered dict. Setting an existing string or integer key replaces its value in
/// place, as Python does.
final class PickleDict: PickleContainer {
  private(set) var items: [(key: PickleValue, value: PickleValue)] = []
  private var positions: [Key: Int] = [:]

  private enum Key: Hashable {
    case string(String)
    case int(Int)
  }

  func set(_ key: PickleValue, _ value: PickleValue) {
    let hashable: Key?
    switch key {
    case .string(let s): hashable = .string(s)
    case .int(let i): hashable = .int(i)
    default: hashable = nil
    }
    if let hashable, let at = positions[hashable] {
      items[at].value = value
      return
    }
    if let hashable { positions[hashable] = items.count }
    items.append((key, value))
  }

  func clear() {
    items = []
    positions = [:]
  }
}

/// An object of a class outside the allow-list: its constructor is never run. Items added to
/// it (dict or list subclasses) and its `BUILD` state are kept only to be dropped safely.
final class PickleObject: PickleContainer {
  let className: String
  var state: PickleValue = .none
  var contents: [PickleValue] = []

  init(className: String) { self.className = className }

  func clear() {
    state = .none
    contents = []
  }
}
