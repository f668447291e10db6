import CTorch

// Autograd: which tensors need gradients, backward, and gradient access.

extension Tensor {
  /// Whether autograd records operations on this tensor (`requires_grad`).
  public var requiresGrad: Bool { rs_tensor_requires_grad(handle) != 0 }

  /// `requires_grad_(flag)`; returns self.
  @discardableResult
  public func requiresGrad(_ flag: Bool) throws -> Tensor {
    try check(rs_tensor_set_requires_grad(handle, flag ? 1 : 0), "requires_grad_")
    return self
  }

  /// The accumulated gradient (`.grad`), nil when none has been computed.
  public var grad: Tensor? {
    var out: rs_tensor?
    guard rs_tensor_grad(&out, handle) == 0, let out else { return nil }
    return Tensor(handle: out)
  }

  /// Replaces the gradient; nil clears it (`p.grad = None`).
  public func setGrad(_ grad: Tensor?) throws {
    try check(rs_tensor_set_grad(handle, grad?.handle), "set_grad")
  }

  /// `backward(gradient, retain_graph, create_graph)`.
  public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false) throws {
    try check(rs_tensor_backward(handle, gradient?.handle, retainGraph ? 1 : 0, createGraph ? 1 : 0), "backward")
  }

  /// A tensor sharing storage but cut from the autograd graph.
  public func detach() throws -> Tensor { try makeTensor("detach") { rs_tensor_detach($0, handle) } }
}

extension Torch {
  /// Whether operations are recorded for autograd on this thread.
  public static var isGradEnabled: Bool { rs_grad_enabled() != 0 }

  /// Runs `body` without recording operations for autograd (`torch.no_grad()`).
  public static func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = rs_grad_enabled()
    rs_set_grad_enabled(0)
    defer { rs_set_grad_enabled(previous) }
    return try body()
  }

  /// Runs `body` with gradient recording enabled (`torch.enable_grad()`).
  public static func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = rs_grad_enabled()
    rs_set_grad_enabled(1)
    defer { rs_set_grad_enabled(previous) }
    return try body()
  }
}
