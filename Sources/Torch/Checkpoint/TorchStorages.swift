/// torch's side of a checkpoint pickle: storages named by persistent ids, and the tensor
/// rebuild functions (`torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`, …) applied to
/// them. Tensors of one storage become views (`asStrided`) of one 1-D storage tensor, so shared
/// storages stay shared.
final class TorchStorages {
  /// What a persistent id asks for: `('storage', torch.FloatStorage, key, location, numel[, view])`.
  struct Request {
    let key: String
    let dtype: DType
    let count: Int
    /// Legacy storage views: (view key, element offset into the root storage, element count).
    let view: (key: String, offset: Int, count: Int)?
  }

  /// A run of `count` elements from element `offset` of `base`, a 1-D tensor.
  final class Storage {
    let base: Tensor
    let offset: Int
    let count: Int

    init(base: Tensor, offset: Int, count: Int) {
      self.base = base
      self.offset = offset
      self.count = count
    }
  }

  let source: String
  /// Makes the storage a request names (read from the zip entry or the legacy data area).
  private let load: (Request) throws -> Tensor
  private var cache: [String: Storage] = [:]
  /// Legacy files keep their storage bytes after the pickle: a first pass over the pickle only
  /// collects the requests (tensors come out as None), a second pass builds the tensors.
  private let collecting: Bool
  private(set) var requests: [Request] = []

  init(source: String, collecting: Bool = false, load: @escaping (Request) throws -> Tensor) {
    self.source = source
    self.collecting = collecting
    self.load = load
  }

  var hooks: Unpickler.Hooks {
    Unpickler.Hooks(
      persistentLoad: { [unowned self] pid in try self.persistentLoad(pid) },
      call: { [unowned self] module, name, args in try self.call(module, name, args) })
  }

  private func fail(_ message: String) -> TorchError { .io(path: source, message: message) }

  // MARK: - storages

  private func persistentLoad(_ pid: PickleValue) throws -> PickleValue {
    let request = try Self.request(pid, source: source)
    if collecting {
      requests.append(request)
      return .none
    }
    return .external(try storage(for: request))
  }

  static func request(_ pid: PickleValue, source: String) throws -> Request {
    func fail() -> TorchError { .io(path: source, message: "unsupported persistent id (\(pid.kindName)); expected ('storage', type, key, location, numel)") }
    guard let items = pid.items, items.count >= 5, case .string("storage") = items[0],
      case .global(_, let typeName) = items[1], let key = text(items[2]), case .int(let count) = items[4], count >= 0
    else { throw fail() }
    guard let dtype = typeName == "UntypedStorage" ? .uint8 : DType(name: typeName) else {
      throw TorchError.io(path: source, message: "unsupported storage type \(typeName)")
    }
    var view: (String, Int, Int)?
    if items.count > 5, let v = items[5].items {
      guard v.count == 3, let viewKey = text(v[0]), case .int(let offset) = v[1], case .int(let n) = v[2], offset >= 0, n >= 0
      else { throw fail() }
      view = (viewKey, offset, n)
    }
    return Request(key: key, dtype: dtype, count: count, view: view)
  }

  private static func text(_ value: PickleValue) -> String? {
    switch value {
    case .string(let s): return s
    case .int(let i): return String(i)
    default: return nil
    }
  }

  /// One storage per (key, dtype): every tensor of a key shares it. A key read as two dtypes (a
  /// `view(dtype)` of untyped storage) maps the same bytes twice.
  private func storage(for request: Request) throws -> Storage {
    let rootKey = "\(request.key)|\(request.dtype)"
    let root: Storage
    if let cached = cache[rootKey] {
      root = cached
    } else {
      let base = try load(request)
      guard base.count >= request.count else {
        throw fail("storage \(request.key) holds \(base.count) elements, the pickle needs \(request.count)")
      }
      root = Storage(base: base, offset: 0, count: request.count)
      cache[rootKey] = root
    }
    guard let view = request.view else { return root }
    let viewKey = "\(view.key)|\(request.dtype)|view"
    if let cached = cache[viewKey] { return cached }
    guard view.offset <= root.count, view.count <= root.count - view.offset else {
      throw fail("storage view \(view.key) (\(view.count) elements at \(view.offset)) exceeds storage \(request.key)")
    }
    let storage = Storage(base: root.base, offset: view.offset, count: view.count)
    cache[viewKey] = storage
    return storage
  }

  // MARK: - rebuild functions

  private func call(_ module: String, _ name: String, _ args: [PickleValue]) throws -> PickleValue? {
    switch (module, name) {
    case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
      return try rebuildTensor(args, function: name)
    case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
      // (data, requires_grad, backward_hooks[, state]): the data tensor is what a reader needs.
      guard let data = args.first else { throw fail("\(name) without arguments") }
      return data
    case ("torch._tensor", "_rebuild_from_type_v2"):
      // (func, new_type, args, state): a tensor subclass; rebuild the plain tensor.
      // Only one level: a hostile pickle could otherwise nest these calls until the stack overflows.
      guard args.count >= 3, case .global(let m, let n) = args[0], n != "_rebuild_from_type_v2", let inner = args[2].items else {
        throw fail("_rebuild_from_type_v2 with unexpected arguments")
      }
      guard let value = try call(m, n, inner) else { throw fail("_rebuild_from_type_v2 of unsupported \(m).\(n)") }
      return value
    case ("torch._utils", _) where name.hasPrefix("_rebuild"):
      throw fail("unsupported tensor kind: torch._utils.\(name) (only dense CPU-loadable tensors are supported)")
    default:
      return nil
    }
  }

  /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`.
  private func rebuildTensor(_ args: [PickleValue], function: String) throws -> PickleValue {
    if collecting { return .none }
    guard args.count >= 4, case .external(let x) = args[0], let storage = x as? Storage,
      case .int(let offset) = args[1], let size = ints(args[2]), let stride = ints(args[3]), size.count == stride.count
    else { throw fail("\(function) with unexpected arguments") }
    guard offset >= 0, size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }) else {
      throw fail("\(function): negative offset, size or stride (offset \(offset), size \(size), stride \(stride))")
    }
    var elements = 1
    for n in size {
      let (product, overflow) = elements.multipliedReportingOverflow(by: n)
      guard !overflow else { throw fail("\(function): size \(size) overflows the element count") }
      elements = product
    }
    // The last element a view touches must lie inside the storage (checked without overflow).
    if elements > 0 {
      var last = offset
      for (n, s) in zip(size, stride) {
        let (step, o1) = (n - 1).multipliedReportingOverflow(by: s)
        let (sum, o2) = last.addingReportingOverflow(step)
        guard !o1, !o2 else { throw fail("\(function): size \(size) with stride \(stride) overflows") }
        last = sum
      }
      guard last < storage.count else {
        throw fail("\(function): a view (offset \(offset), size \(size), stride \(stride)) reaches past its storage of \(storage.count) elements")
      }
    } else if offset > storage.count {
      throw fail("\(function): offset \(offset) is past its storage of \(storage.count) elements")
    }
    return .external(try storage.base.asStrided(size, strides: stride, storageOffset: storage.offset + offset))
  }

  private func ints(_ value: PickleValue) -> [Int]? {
    guard let items = value.items else { return nil }
    var out: [Int] = []
    for item in items {
      guard case .int(let i) = item else { return nil }
      out.append(i)
    }
    return out
  }
}
