// The base class of every layer and model: parameters, buffers and child modules found by
// reflection on stored properties, with PyTorch's dotted state-dict names.

/// One direct entry of a module.
public enum ModuleItem {
  case parameter(Tensor)
  /// A non-parameter tensor; `persistent` ones are part of the state dict.
  case buffer(Tensor, persistent: Bool)
  case module(Module)
}

/// A module's entry under its key relative to that module (`weight`, `layers.0`, `out_proj`).
public struct ModuleEntry {
  public let key: String
  public let item: ModuleItem

  public init(key: String, item: ModuleItem) {
    self.key = key
    self.item = item
  }
}

/// A layer or model (PyTorch's `nn.Module`).
///
/// Subclasses declare their contents as stored properties; `Module` finds them with `Mirror`
/// (the class and its superclasses, in declaration order):
/// - a `Tensor` (or `Tensor?` when non-nil) is a parameter keyed by the property name;
/// - a `Module` (or `Module?`) is a child whose entries get the prefix `name.`;
/// - arrays of either get indices: `layers.0.weight` (nested arrays: `name.i.j`);
/// - `@ModuleInfo(key:)`, `@ParameterInfo(key:)` and `@BufferInfo(key:)` set PyTorch's name
///   and mark buffers; other properties (numbers, configs, closures) are ignored.
/// Two entries with one key are an error, reported by every keyed query.
/// Do not store a reference to a parent module: it would be walked as a child.
///
///     final class Block: Module, UnaryLayer {
///       @ModuleInfo(key: "conv1") var conv: Conv2d
///       let norm: BatchNorm2d
///       …
///       func callAsFunction(_ x: Tensor) throws -> Tensor { try norm(conv(x)).relu() }
///     }
open class Module {
  /// Whether the module is in training mode (`train()`/`eval()` set the whole tree).
  public private(set) var training = true

  public init() {}

  /// The direct entries of this module. The default reflects on stored properties; override
  /// only for containers whose keys are not property names (`Sequential`).
  open func entries() -> [ModuleEntry] {
    var mirrors: [Mirror] = []
    var mirror: Mirror? = Mirror(reflecting: self)
    while let current = mirror {
      mirrors.append(current)
      mirror = current.superclassMirror
    }
    var out: [ModuleEntry] = []
    for mirror in mirrors.reversed() {
      for child in mirror.children {
        guard let label = child.label else { continue }
        if let wrapper = child.value as? ModuleItemWrapper {
          // A wrapped property's storage is labelled `_name`.
          let key = wrapper.itemKey ?? String(label.dropFirst())
          Module.collect(key, wrapper.itemValue, wrapper.itemRole, into: &out)
        } else {
          Module.collect(label, child.value, .automatic, into: &out)
        }
      }
    }
    return out
  }

  private static func collect(_ key: String, _ value: Any, _ role: ModuleItemRole, into out: inout [ModuleEntry]) {
    if let tensor = value as? Tensor {
      if case .buffer(let persistent) = role {
        out.append(ModuleEntry(key: key, item: .buffer(tensor, persistent: persistent)))
      } else {
        out.append(ModuleEntry(key: key, item: .parameter(tensor)))
      }
    } else if let module = value as? Module {
      out.append(ModuleEntry(key: key, item: .module(module)))
    } else if let list = value as? [Any] {
      for (index, element) in list.enumerated() { collect("\(key).\(index)", element, role, into: &out) }
    }
  }

  /// `entries()` after checking that keys are unique and well formed.
  func checkedEntries() throws -> [ModuleEntry] {
    let list = entries()
    var seen = Set<String>()
    for entry in list {
      guard !entry.key.isEmpty else {
        throw TorchError.invalidArgument("\(type(of: self)): an entry has an empty key")
      }
      guard seen.insert(entry.key).inserted else {
        throw TorchError.invalidArgument("\(type(of: self)): two entries have the key '\(entry.key)'")
      }
    }
    return list
  }

  /// Direct child modules (no key checks; used by tree-wide mode switches).
  func childModules() -> [Module] {
    entries().compactMap { if case .module(let m) = $0.item { return m } else { return nil } }
  }

  // MARK: keyed queries

  /// This module (key "") and every descendant, depth first, with dotted keys.
  public func namedModules() throws -> [(key: String, module: Module)] {
    var out: [(key: String, module: Module)] = [("", self)]
    for entry in try checkedEntries() {
      guard case .module(let child) = entry.item else { continue }
      for (key, module) in try child.namedModules() {
        out.append((key.isEmpty ? entry.key : "\(entry.key).\(key)", module))
      }
    }
    return out
  }

  /// Every parameter with its state-dict key: this module's own first, then each child's.
  /// A tensor reachable under two keys is listed once (PyTorch's `remove_duplicate`).
  public func namedParameters() throws -> [(key: String, tensor: Tensor)] {
    var seen = Set<ObjectIdentifier>()
    return try namedTensors(parameters: true, buffers: false, nonPersistent: false).filter {
      seen.insert(ObjectIdentifier($0.tensor)).inserted
    }
  }

  public func parameters() throws -> [Tensor] { try namedParameters().map(\.tensor) }

  /// Every buffer with its key (non-persistent ones included).
  public func namedBuffers() throws -> [(key: String, tensor: Tensor)] {
    try namedTensors(parameters: false, buffers: true, nonPersistent: true)
  }

  /// The number of parameter elements.
  public func parameterCount() throws -> Int { try parameters().reduce(0) { $0 + $1.count } }

  /// Parameters and persistent buffers in state-dict order, as detached tensors sharing storage.
  public func orderedStateDict() throws -> [(key: String, tensor: Tensor)] {
    try namedTensors(parameters: true, buffers: true, nonPersistent: false).map { ($0.key, try $0.tensor.detach()) }
  }

  /// `state_dict()`: parameters and persistent buffers by key (see `orderedStateDict` for order).
  public func stateDict() throws -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: try orderedStateDict().map { ($0.key, $0.tensor) })
  }

  /// Own tensors first (parameters, then buffers, as PyTorch's state_dict), then children's.
  func namedTensors(parameters: Bool, buffers: Bool, nonPersistent: Bool) throws -> [(key: String, tensor: Tensor)] {
    var own: [(key: String, tensor: Tensor)] = []
    var ownBuffers: [(key: String, tensor: Tensor)] = []
    var children: [(key: String, tensor: Tensor)] = []
    for entry in try checkedEntries() {
      switch entry.item {
      case .parameter(let t): if parameters { own.append((entry.key, t)) }
      case .buffer(let t, let persistent): if buffers && (persistent || nonPersistent) { ownBuffers.append((entry.key, t)) }
      case .module(let child):
        for (key, t) in try child.namedTensors(parameters: parameters, buffers: buffers, nonPersistent: nonPersistent) {
          children.append(("\(entry.key).\(key)", t))
        }
      }
    }
    return own + ownBuffers + children
  }

  /// Calls `body` on every module of the tree, children before their parent (`module.apply`),
  /// e.g. to initialise all `Linear` weights of a model.
  public func apply(_ body: (Module) throws -> Void) throws {
    for child in childModules() { try child.apply(body) }
    try body(self)
  }

  // MARK: modes

  /// Sets training mode (`mode` true) or evaluation mode on this module and all descendants.
  public func train(_ mode: Bool = true) {
    training = mode
    for child in childModules() { child.train(mode) }
  }

  /// Evaluation mode for the whole tree (`train(false)`).
  public func eval() { train(false) }

  /// Stops gradients for every parameter of this subtree (`requires_grad_(False)`).
  public func freeze() throws { try setRequiresGrad(false) }

  /// Lets every parameter of this subtree receive gradients again.
  public func unfreeze() throws { try setRequiresGrad(true) }

  private func setRequiresGrad(_ flag: Bool) throws {
    for p in try parameters() { try p.requiresGrad(flag) }
  }

  // MARK: dtype and device

  /// Converts floating-point parameters and buffers to `dtype` in place (`module.to(dtype)`):
  /// every tensor keeps its identity, so references to it stay valid.
  public func to(_ dtype: DType) throws {
    for t in try allTensors() where t.dtype.isFloatingPoint && t.dtype != dtype {
      try t.setData(try t.detach().to(dtype))
    }
  }

  /// Moves parameters and buffers to `device` in place (`module.to(device)`).
  public func to(_ device: Device) throws {
    for t in try allTensors() where t.device != device {
      try t.setData(try t.detach().to(device))
    }
  }

  private func allTensors() throws -> [Tensor] {
    var seen = Set<ObjectIdentifier>()
    return try namedTensors(parameters: true, buffers: true, nonPersistent: true).map(\.tensor).filter {
      seen.insert(ObjectIdentifier($0)).inserted
    }
  }
}

/// A module with one input and one output (`forward(x)`); what `Sequential` chains.
public protocol UnaryLayer: Module {
  func callAsFunction(_ x: Tensor) throws -> Tensor
}
