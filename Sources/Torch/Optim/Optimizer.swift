// The optimiser protocol, parameter groups and the saved form of optimiser state.

/// A set of parameters sharing hyper-parameters (PyTorch's `param_groups` entry). Options use
/// PyTorch's names (`lr`, `weight_decay`, `momentum`, …; AdamW's betas are `beta1`, `beta2`;
/// flags are 0 or 1); options left out take the optimiser's defaults.
public struct ParamGroup {
  public var params: [Tensor]
  public var options: [String: Double]

  public init(_ params: [Tensor], options: [String: Double] = [:]) {
    self.params = params
    self.options = options
  }

  public init(_ params: [Tensor], lr: Double, weightDecay: Double? = nil) {
    var options = ["lr": lr]
    options["weight_decay"] = weightDecay
    self.init(params, options: options)
  }

  /// The group's learning rate (what schedulers change).
  public var lr: Double {
    get { options["lr"] ?? 0 }
    set { options["lr"] = newValue }
  }

  public subscript(_ name: String) -> Double? {
    get { options[name] }
    set { options[name] = newValue }
  }
}

/// An optimiser's or scheduler's state in a form a safetensors file can hold: tensors by key
/// plus string metadata (hyper-parameters and counters).
public struct OptimizerState {
  public var tensors: [String: Tensor]
  public var metadata: [String: String]

  public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }
}

/// A gradient-descent optimiser (`torch.optim.Optimizer`).
public protocol Optimizer: AnyObject {
  var paramGroups: [ParamGroup] { get set }
  /// Applies one update to every parameter that has a gradient.
  func step() throws
  /// `state_dict()`: per-parameter state (`state.<index>.<name>`, indices counting through the
  /// groups in order) and group hyper-parameters (`param_groups.<g>.<option>`).
  func stateDict() throws -> OptimizerState
  /// Restores `stateDict()`'s result; the groups must hold the same numbers of parameters.
  func loadStateDict(_ state: OptimizerState) throws
}

extension Optimizer {
  /// Clears every parameter's gradient (`zero_grad(set_to_none=True)`).
  public func zeroGrad() throws {
    for group in paramGroups { for p in group.params { try p.setGrad(nil) } }
  }
}

/// Group bookkeeping and per-parameter state shared by the concrete optimisers.
struct OptimizerCore {
  let kind: String
  let defaults: [String: Double]
  var groups: [ParamGroup]
  /// Per-parameter state by flat index (group by group).
  var state: [Int: [String: Tensor]] = [:]

  init(kind: String, groups: [ParamGroup], defaults: [String: Double]) throws {
    self.kind = kind
    self.defaults = defaults
    var seen = Set<ObjectIdentifier>()
    self.groups = try groups.enumerated().map { g, group in
      for name in group.options.keys where defaults[name] == nil {
        throw TorchError.invalidArgument("\(kind): unknown option '\(name)' in parameter group \(g)")
      }
      for p in group.params where !seen.insert(ObjectIdentifier(p)).inserted {
        throw TorchError.invalidArgument("\(kind): a parameter appears twice (group \(g))")
      }
      return ParamGroup(group.params, options: defaults.merging(group.options) { $1 })
    }
  }

  /// The flat index of each group's first parameter.
  var offsets: [Int] {
    var offsets: [Int] = []
    var n = 0
    for group in groups {
      offsets.append(n)
      n += group.params.count
    }
    return offsets
  }

  func save() -> OptimizerState {
    var out = OptimizerState()
    out.metadata["optimizer"] = kind
    out.metadata["param_groups"] = String(groups.count)
    for (g, group) in groups.enumerated() {
      out.metadata["param_groups.\(g).params"] = String(group.params.count)
      for (name, value) in group.options { out.metadata["param_groups.\(g).\(name)"] = String(value) }
    }
    for (index, entries) in state {
      for (name, tensor) in entries { out.tensors["state.\(index).\(name)"] = tensor }
    }
    return out
  }

  /// Reads groups' options and per-parameter state; `stepDevice` says where a parameter's step counter lives.
  mutating func load(_ saved: OptimizerState, stepDevice: (Tensor) -> Device) throws {
    guard saved.metadata["optimizer"] == kind else {
      throw TorchError.invalidArgument("\(kind): cannot load the state of '\(saved.metadata["optimizer"] ?? "?")'")
    }
    guard saved.metadata["param_groups"] == String(groups.count) else {
      throw TorchError.invalidArgument("\(kind): saved state has \(saved.metadata["param_groups"] ?? "?") parameter groups, this optimiser \(groups.count)")
    }
    var newGroups = groups
    for (g, group) in groups.enumerated() {
      guard saved.metadata["param_groups.\(g).params"] == String(group.params.count) else {
        throw TorchError.invalidArgument("\(kind): parameter group \(g) holds a different number of parameters than the saved one")
      }
      for name in defaults.keys {
        guard let text = saved.metadata["param_groups.\(g).\(name)"], let value = Double(text) else {
          throw TorchError.invalidArgument("\(kind): saved state lacks '\(name)' of parameter group \(g)")
        }
        newGroups[g].options[name] = value
      }
    }
    let params = groups.flatMap(\.params)
    var newState: [Int: [String: Tensor]] = [:]
    for (key, tensor) in saved.tensors {
      let parts = key.split(separator: ".", maxSplits: 2)
      guard parts.count == 3, parts[0] == "state", let index = Int(parts[1]), params.indices.contains(index) else {
        throw TorchError.invalidArgument("\(kind): unexpected optimiser state key '\(key)'")
      }
      let p = params[index], name = String(parts[2])
      let value: Tensor
      if name == "step" {
        value = try tensor.to(stepDevice(p), dtype: .float32).clone()
      } else {
        value = try tensor.to(p.device, dtype: tensor.dtype.isFloatingPoint ? p.dtype : tensor.dtype).clone()
        guard value.shape == p.shape else {
          throw TorchError.invalidArgument("\(kind): state '\(key)' has shape \(value.shape), its parameter \(p.shape)")
        }
      }
      newState[index, default: [:]][name] = value
    }
    groups = newGroups
    state = newState
  }
}
