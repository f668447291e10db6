import CTorch

// Autograd: which tensors need gradients, backward, gradient access, torch.autograd.grad, and
// the scopes that change recording: no-grad, enable-grad, inference mode and autocast. Every
// scope restores the previous state when its body returns or throws.

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

  /// In place: `detach_()`: this tensor leaves the autograd graph and becomes a leaf.
  @discardableResult
  public func detach_() throws -> Tensor {
    try check(rs_tensor_detach_(handle), "detach_")
    return self
  }

  /// `retain_grad()`: keep `.grad` for this non-leaf tensor after backward.
  @discardableResult
  public func retainGrad() throws -> Tensor {
    try check(rs_tensor_retain_grad(handle), "retain_grad")
    return self
  }

  /// Whether `.grad` is kept for this non-leaf tensor (`retains_grad`).
  public var retainsGrad: Bool { rs_tensor_retains_grad(handle) != 0 }

  /// Whether this tensor is a leaf of the autograd graph (`is_leaf`).
  public var isLeaf: Bool { rs_tensor_is_leaf(handle) != 0 }

  /// The name of the autograd node that produced this tensor (`grad_fn.name()`), nil for a leaf.
  public var gradFnName: String? {
    var text: UnsafeMutablePointer<CChar>?
    guard rs_tensor_grad_fn_name(&text, handle) == 0, let text else { return nil }
    defer { rs_free_buffer(text) }
    return String(cString: text)
  }

  /// Whether this tensor was created in inference mode (`is_inference()`).
  public var isInference: Bool { rs_tensor_is_inference(handle) != 0 }
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

  /// `torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph)`: the
  /// gradients of `outputs` with respect to `inputs`, without touching any `.grad`.
  ///
  /// - Parameters:
  ///   - gradOutputs: one per output (nil entries: implicit ones for one-element outputs); empty
  ///     means all implicit.
  ///   - retainGraph: keep the graph for another backward; nil means `createGraph`.
  ///   - createGraph: record the backward pass so the result can be differentiated again.
  ///   - materializeGrads: return zeros for inputs the outputs do not depend on (otherwise that
  ///     is an error, as with PyTorch's `allow_unused=False`).
  /// - Returns: one gradient per input, shaped like it.
  public static func grad(
    outputs: [Tensor], inputs: [Tensor], gradOutputs: [Tensor?] = [], retainGraph: Bool? = nil,
    createGraph: Bool = false, materializeGrads: Bool = false
  ) throws -> [Tensor] {
    guard gradOutputs.isEmpty || gradOutputs.count == outputs.count else {
      throw TorchError.invalidArgument("grad: \(gradOutputs.count) gradOutputs for \(outputs.count) outputs")
    }
    let gradHandles: [rs_tensor?] = gradOutputs.map { $0?.handle }
    var list: UnsafeMutablePointer<rs_tensor?>?
    var count: Int64 = 0
    try withHandles(outputs) { out, nOut in
      try withHandles(inputs) { inp, nIn in
        try withExtendedLifetime(gradOutputs) {
          try gradHandles.withUnsafeBufferPointer { g in
            try check(
              rs_autograd_grad(
                &list, &count, out, gradOutputs.isEmpty ? nil : g.baseAddress, nOut, inp, nIn,
                retainGraph.map { $0 ? 1 : 0 } ?? -1, createGraph ? 1 : 0, materializeGrads ? 1 : 0),
              "autograd.grad")
          }
        }
      }
    }
    defer { rs_free_buffer(list) }
    let results = (0..<Int(count)).map { list![$0].map { Tensor(handle: $0) } }
    return try zip(results, inputs).map { result, input in
      if let result { return result }
      return try Tensor.zeros(input.shape, dtype: input.dtype, device: input.device)
    }
  }

  /// `torch.autograd.grad` for one output and one input.
  public static func grad(
    of output: Tensor, withRespectTo input: Tensor, retainGraph: Bool? = nil, createGraph: Bool = false
  ) throws -> Tensor {
    try grad(outputs: [output], inputs: [input], retainGraph: retainGraph, createGraph: createGraph)[0]
  }

  /// Runs `body` with gradient recording enabled (`torch.enable_grad()`).
  public static func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = rs_grad_enabled()
    rs_set_grad_enabled(1)
    defer { rs_set_grad_enabled(previous) }
    return try body()
  }

  /// Whether inference mode is on for this thread (`torch.is_inference_mode_enabled()`).
  public static var isInferenceMode: Bool { rs_inference_mode_enabled() != 0 }

  /// Runs `body` in inference mode (`torch.inference_mode(enabled)`): no autograd recording and
  /// no version counting; tensors created inside are inference tensors that cannot later join an
  /// autograd graph. Scopes nest; `enabled: false` turns it off inside an enclosing scope.
  public static func withInferenceMode<R>(_ enabled: Bool = true, _ body: () throws -> R) throws -> R {
    var guardHandle: rs_inference_mode?
    try check(rs_inference_mode_enter(&guardHandle, enabled ? 1 : 0), "inference_mode")
    defer { rs_inference_mode_exit(guardHandle) }
    return try body()
  }

  /// Whether autocast is on for the device's type on this thread.
  public static func isAutocastEnabled(_ device: Device = .cpu) -> Bool {
    rs_autocast_enabled(device.c.type) != 0
  }

  /// The dtype autocast uses for the device's type on this thread (`torch.get_autocast_dtype`).
  public static func autocastDType(_ device: Device = .cpu) -> DType? {
    DType(rawValue: rs_autocast_dtype(device.c.type))
  }

  /// Runs `body` under automatic mixed precision (`torch.autocast(device_type, dtype, enabled)`):
  /// eligible ops (matmul, conv, linear, …) on the device's type run in `dtype` (float16 or
  /// bfloat16). Nested scopes restore the outer state; leaving the outermost clears the cast cache.
  public static func withAutocast<R>(
    dtype: DType = .bfloat16, device: Device = .cpu, enabled: Bool = true, _ body: () throws -> R
  ) throws -> R {
    var previous = rs_autocast_state()
    try check(rs_autocast_enter(&previous, device.c.type, dtype.rawValue, enabled ? 1 : 0), "autocast")
    var exitStatus: rs_status = 0
    let result: R
    do {
      defer { exitStatus = rs_autocast_exit(&previous) }
      result = try body()
    }
    try check(exitStatus, "autocast")
    return result
  }

  /// Runs `body` with autocast's casts of float32 weights made once: while gradients are off,
  /// linear layers and convolutions under autocast reuse each weight's bf16 (or
  /// fp16) copy until the weight is modified in place. For inference over many inputs with the
  /// same weights (a scene's windows, an evaluation set): PyTorch recasts every weight at every
  /// use in inference mode. The copies (half the float32 weights' size) are freed when the
  /// outermost scope ends.
  public static func withCastCache<R>(_ body: () throws -> R) rethrows -> R {
    rs_cast_cache_enter()
    defer { rs_cast_cache_exit() }
    return try body()
  }

  /// Runs `body` as inference over many inputs with the same weights (a scene's windows, an
  /// evaluation set): in inference mode, with autocast's weight casts made once (`withCastCache`).
  public static func withRepeatedInference<R>(_ body: () throws -> R) throws -> R {
    try withCastCache { try withInferenceMode(true, body) }
  }

  /// Casts the cast cache holds on this thread.
  public static var castCacheCount: Int { Int(rs_cast_cache_count()) }

  /// Runs `body` with autocast off for `device`'s type (CUDA, else the CPU) when it is on: for a
  /// small computation that should stay in float32 inside an autocast region.
  public static func withoutAutocast<R>(on device: Device = .cpu, _ body: () throws -> R) throws -> R {
    let type: Device = device.isCUDA ? device : .cpu
    guard isAutocastEnabled(type) else { return try body() }
    return try withAutocast(dtype: autocastDType(type) ?? .bfloat16, device: type, enabled: false, body)
  }
}
