// Property wrappers that give a module's stored properties PyTorch's state-dict names and roles.
//
//     @ModuleInfo(key: "out_proj") var outProj: Linear
//     @ParameterInfo(key: "in_proj_weight") var inProjWeight: Tensor
//     @BufferInfo(key: "running_mean") var runningMean: Tensor
//
// Without a wrapper a property's key is its Swift name; `Tensor` properties are parameters.
// A wrapped property is set either after `super.init()` (`conv = try Conv2d(…)`) or before it
// through its storage (`_conv.wrappedValue = try Conv2d(…)`), the key staying at the declaration.
// Reading one that was never set is a programming error and stops the program.

/// What a stored property contributes to a module.
enum ModuleItemRole {
  case automatic
  case parameter
  case buffer(persistent: Bool)
}

/// The common face of the wrappers, read by `Module`'s reflection.
protocol ModuleItemWrapper {
  var itemKey: String? { get }
  var itemRole: ModuleItemRole { get }
  var itemValue: Any { get }
}

/// A child module (or array/optional of modules) stored under `key` instead of the property name.
@propertyWrapper
public struct ModuleInfo<Value>: ModuleItemWrapper {
  private var value: Value?
  public let key: String?

  public init(wrappedValue: Value, key: String? = nil) {
    value = wrappedValue
    self.key = key
  }

  /// The value is assigned later (after `super.init()`).
  public init(key: String? = nil) {
    self.key = key
  }

  public var wrappedValue: Value {
    get {
      guard let value else { fatalError("ModuleInfo: '\(key ?? "property")' was read before it was set") }
      return value
    }
    set { value = newValue }
  }

  var itemKey: String? { key }
  var itemRole: ModuleItemRole { .automatic }
  var itemValue: Any { value as Any }
}

/// A parameter (`Tensor`, `Tensor?` or `[Tensor]`) stored under `key` instead of the property name.
@propertyWrapper
public struct ParameterInfo<Value>: ModuleItemWrapper {
  private var value: Value?
  public let key: String?

  public init(wrappedValue: Value, key: String? = nil) {
    value = wrappedValue
    self.key = key
  }

  /// The value is assigned later (after `super.init()`).
  public init(key: String? = nil) {
    self.key = key
  }

  public var wrappedValue: Value {
    get {
      guard let value else { fatalError("ParameterInfo: '\(key ?? "property")' was read before it was set") }
      return value
    }
    set { value = newValue }
  }

  var itemKey: String? { key }
  var itemRole: ModuleItemRole { .parameter }
  var itemValue: Any { value as Any }
}

/// A buffer: state that is saved in the state dict (unless `persistent` is false) but is not a
/// parameter, e.g. BatchNorm's `running_mean`. Optimisers never see buffers.
@propertyWrapper
public struct BufferInfo<Value>: ModuleItemWrapper {
  private var value: Value?
  public let key: String?
  public let persistent: Bool

  public init(wrappedValue: Value, key: String? = nil, persistent: Bool = true) {
    value = wrappedValue
    self.key = key
    self.persistent = persistent
  }

  /// The value is assigned later (after `super.init()`).
  public init(key: String? = nil, persistent: Bool = true) {
    self.key = key
    self.persistent = persistent
  }

  public var wrappedValue: Value {
    get {
      guard let value else { fatalError("BufferInfo: '\(key ?? "property")' was read before it was set") }
      return value
    }
    set { value = newValue }
  }

  var itemKey: String? { key }
  var itemRole: ModuleItemRole { .buffer(persistent: persistent) }
  var itemValue: Any { value as Any }
}
