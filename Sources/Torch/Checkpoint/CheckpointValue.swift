/// The content of a PyTorch checkpoint (`torch.save`'s object) as plain data and tensors.
///
/// Dicts keep their order and their keys' types (optimizer states use integer keys). Objects of
/// classes a reader cannot know (hyper-parameter records, callbacks) are kept only by their
/// class name.
public indirect enum CheckpointValue {
  case none
  case bool(Bool)
  case int(Int)
  case float(Double)
  case string(String)
  case bytes([UInt8])
  case tensor(Tensor)
  case list([CheckpointValue])
  case tuple([CheckpointValue])
  case dict([(key: CheckpointValue, value: CheckpointValue)])
  case unknownObject(className: String)

  /// The value under `key` (a string key, or an integer key written in decimal) of a dict.
  public subscript(key: String) -> CheckpointValue? {
    guard case .dict(let items) = self else { return nil }
    return items.first { $0.key.keyText == key }?.value
  }

  /// Every tensor in the tree, depth first in order, named by the path of keys and indices that
  /// lead to it joined with `.` (`state_dict.net.0.weight`, `optimizer_states.0.state.0.step`).
  /// A tensor at the root is named "".
  public func flatTensors() -> [(String, Tensor)] {
    var out: [(String, Tensor)] = []
    collect(prefix: nil, into: &out)
    return out
  }

  private func collect(prefix: String?, into out: inout [(String, Tensor)]) {
    func child(_ name: String) -> String { prefix.map { "\($0).\(name)" } ?? name }
    switch self {
    case .tensor(let t): out.append((prefix ?? "", t))
    case .list(let items), .tuple(let items):
      for (k, item) in items.enumerated() { item.collect(prefix: child(String(k)), into: &out) }
    case .dict(let items):
      for (key, value) in items { value.collect(prefix: child(key.keyText), into: &out) }
    default: break
    }
  }

  /// How a dict key reads in a flat name: strings as they are, numbers and other keys as
  /// Python's `str()` would print them.
  var keyText: String {
    switch self {
    case .string(let s): return s
    case .int(let i): return String(i)
    case .bool(let b): return b ? "True" : "False"
    case .float(let d): return String(d)
    case .none: return "None"
    case .tuple(let items): return "(" + items.map(\.keyText).joined(separator: ", ") + ")"
    default: return "<\(self.kindName)>"
    }
  }

  var kindName: String {
    switch self {
    case .none: return "None"
    case .bool: return "bool"
    case .int: return "int"
    case .float: return "float"
    case .string: return "str"
    case .bytes: return "bytes"
    case .tensor: return "tensor"
    case .list: return "list"
    case .tuple: return "tuple"
    case .dict: return "dict"
    case .unknownObject(let c): return c
    }
  }
}

extension CheckpointValue {
  struct Limits {
    /// Deeper trees are rejected, so that recursion over a tree (conversion, `flatTensors`,
    /// deinitialisation) stays well within a thread's stack. Checkpoints nest a handful of levels.
    var depth = 256
    /// Shared sub-objects are expanded into a tree; this caps the expansion ("billion laughs").
    var nodes = 10_000_000
  }

  /// Converts a pickle result into a tree; cycles, excessive depth or expansion throw.
  init(_ value: PickleValue, source: String, limits: Limits = Limits()) throws {
    var converter = Converter(source: source, limits: limits)
    self = try converter.convert(value, depth: 0)
  }

  private struct Converter {
    let source: String
    let limits: Limits
    var nodes = 0
    var open: Set<ObjectIdentifier> = []

    func fail(_ message: String) -> TorchError { .io(path: source, message: message) }

    mutating func convert(_ value: PickleValue, depth: Int) throws -> CheckpointValue {
      nodes += 1
      guard nodes <= limits.nodes else { throw fail("pickle expands to more than \(limits.nodes) values") }
      guard depth <= limits.depth else { throw fail("pickle nests deeper than \(limits.depth) levels") }
      switch value {
      case .none: return .none
      case .bool(let b): return .bool(b)
      case .int(let i): return .int(i)
      case .bigInt: return .unknownObject(className: "int (beyond 64 bits)")
      case .float(let d): return .float(d)
      case .string(let s): return .string(s)
      case .bytes(let b): return .bytes(b)
      case .global(let m, let n): return .unknownObject(className: "\(m).\(n)")
      case .object(let o): return .unknownObject(className: o.className)
      case .external(let x):
        if let t = x as? Tensor { return .tensor(t) }
        return .unknownObject(className: String(describing: type(of: x)))
      case .sequence(let s):
        try enter(s)
        defer { open.remove(ObjectIdentifier(s)) }
        var items: [CheckpointValue] = []
        for item in s.items { items.append(try convert(item, depth: depth + 1)) }
        return s.kind == .tuple ? .tuple(items) : .list(items)
      case .dict(let d):
        try enter(d)
        defer { open.remove(ObjectIdentifier(d)) }
        var items: [(key: CheckpointValue, value: CheckpointValue)] = []
        for (key, value) in d.items {
          items.append((try convert(key, depth: depth + 1), try convert(value, depth: depth + 1)))
        }
        return .dict(items)
      }
    }

    /// Marks a container as being converted; meeting it again inside itself is a cycle.
    private mutating func enter(_ container: AnyObject) throws {
      guard open.insert(ObjectIdentifier(container)).inserted else {
        throw fail("pickle contains a container that includes itself")
      }
    }
  }
}
