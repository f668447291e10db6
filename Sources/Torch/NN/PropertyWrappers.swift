// Property wrappers that give a module's stored properties PyTorch's state-dict names and roles.
//
//     @ModuleInfo(key: "out_proj") var outProj: Linear
//     @ParameterInfo(key: "in_proj_weight") var inProjWeight: Tensor
//     @BufferInfo(key: "running_mean") var runningMean: Tensor
//
// Without a wrapper a property's key is its Swift name; `Tensor` properties are parameters.

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
  public var wrappedValue: Value
  public let key: String?

  public init(wrappedValue: Value, key: String? = nil) {
    self.wrappedValue = wrappedValue
    self.key = key
  }

  var itemKey: String? { key }
  var itemRole: ModuleItemRole { .automatic }
  var itemValue: Any { wrappedValue }
}

/// A parameter (`Tensor`, `Tensor?` or `[Tensor]`) stored under `key` instead of the property name.
@propertyWrapper
public struct ParameterInfo<Value>: ModuleItemWrapper {
  public var wrappedValue: Value
  public let key: String?

  public init(wrappedValue: Value, key: String? = nil) {
    self.wrappedValue = wrappedValue
    self.key = key
  }

  var itemKey: String? { key }
  var itemRole: ModuleItemRole { .parameter }
  var itemValue: Any { wrappedValue }
}

/// A buffer: state that is saved in the state dict (unless `persistent` is false) but is not a
/// parameter, e.g. BatchNorm's `running_mean`. Optimisers never see buffers.
@propertyWrapper
public struct BufferInfo<Value>: ModuleItemWrapper {
  public var wrappedValue: Value
  public let key: String?
  public let persistent: Bool

  public init(wrappedValue: Value, key: String? = nil, persistent: Bool = true) {
    self.wrappedValue = wrappedValue
    self.key = key
    self.persistent = persistent
  }

  var itemKey: String? { key }
  var itemRole: ModuleItemRole { .buffer(persistent: persistent) }
  var itemValue: Any { wrappedValue }
}
