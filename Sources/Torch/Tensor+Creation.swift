import CTorch

extension Tensor {
  /// A CPU tensor holding a copy of `values` in row-major order.
  public convenience init<T: TensorElement>(_ values: [T], shape: [Int]? = nil) throws {
    let handle = try values.withUnsafeBufferPointer { try Tensor.copying($0, shape: shape ?? [values.count]) }
    self.init(handle: handle)
  }

  /// A CPU tensor holding a copy of the elements in `buffer` in row-major order.
  public convenience init<T: TensorElement>(_ buffer: UnsafeBufferPointer<T>, shape: [Int]) throws {
    self.init(handle: try Tensor.copying(buffer, shape: shape))
  }

  private static func copying<T: TensorElement>(_ buffer: UnsafeBufferPointer<T>, shape: [Int]) throws -> rs_tensor {
    guard shape.reduce(1, *) == buffer.count else {
      throw TorchError.invalidArgument("\(buffer.count) values do not fill shape \(shape)")
    }
    var out: rs_tensor?
    try withInt64s(shape) { dims, n in
      try check(rs_tensor_from_data(&out, buffer.baseAddress, dims, n, T.dtype.rawValue), "Tensor(_:shape:)")
    }
    return out!
  }

  /// A 0-dimensional tensor.
  public convenience init<T: TensorElement>(scalar value: T) throws {
    try self.init([value], shape: [])
  }

  /// A CPU tensor copied from raw bytes of elements of `dtype` (e.g. float16 or bfloat16 data).
  public convenience init(bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType) throws {
    let need = shape.reduce(1, *) * dtype.size
    guard bytes.count == need else {
      throw TorchError.invalidArgument("\(bytes.count) bytes do not fill shape \(shape) of \(dtype) (\(need) bytes)")
    }
    var out: rs_tensor?
    try withInt64s(shape) { dims, n in
      try check(rs_tensor_from_data(&out, bytes.baseAddress, dims, n, dtype.rawValue), "Tensor(bytes:)")
    }
    self.init(handle: out!)
  }

  public static func empty(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    try withInt64s(shape) { dims, n in
      try makeTensor("empty") { rs_tensor_empty($0, dims, n, dtype.rawValue, device.c) }
    }
  }

  public static func full(_ shape: [Int], _ value: Scalar, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    try withInt64s(shape) { dims, n in
      try makeTensor("full") { rs_tensor_full($0, dims, n, value.c, dtype.rawValue, device.c) }
    }
  }

  public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    try full(shape, 0, dtype: dtype, device: device)
  }

  public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    try full(shape, 1, dtype: dtype, device: device)
  }

  /// `torch.arange(start, end, step)`.
  public static func arange(
    _ start: Scalar = 0, _ end: Scalar, step: Scalar = 1, dtype: DType = .int64, device: Device = .cpu
  ) throws -> Tensor {
    try makeTensor("arange") { rs_tensor_arange($0, start.c, end.c, step.c, dtype.rawValue, device.c) }
  }

  public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    try makeTensor("linspace") { rs_tensor_linspace($0, start, end, Int64(steps), dtype.rawValue, device.c) }
  }

  /// Uniform samples in [low, high) from libtorch's default generator (see `Torch.manualSeed`).
  public static func rand(_ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    try withInt64s(shape) { dims, n in
      try makeTensor("rand") { rs_tensor_random($0, dims, n, 0, low, high, dtype.rawValue, device.c) }
    }
  }

  /// Normal samples.
  public static func randn(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    try withInt64s(shape) { dims, n in
      try makeTensor("randn") { rs_tensor_random($0, dims, n, 1, mean, std, dtype.rawValue, device.c) }
    }
  }

  /// Integers uniform in [low, high).
  public static func randint(_ low: Int, _ high: Int, _ shape: [Int], dtype: DType = .int64, device: Device = .cpu) throws -> Tensor {
    try withInt64s(shape) { dims, n in
      try makeTensor("randint") { rs_tensor_randint($0, Int64(low), Int64(high), dims, n, dtype.rawValue, device.c) }
    }
  }

  public static func randperm(_ n: Int, dtype: DType = .int64, device: Device = .cpu) throws -> Tensor {
    try makeTensor("randperm") { rs_tensor_randperm($0, Int64(n), dtype.rawValue, device.c) }
  }

  /// `torch.eye(n, m)`: ones on the main diagonal of an [n, m] matrix (m defaults to n).
  public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
    let out = try zeros([n, m ?? n], dtype: dtype, device: device)
    try out.diagonal().fill_(1)
    return out
  }

  /// `torch.zeros_like(x)`: zeros with the shape of `x` and its dtype and device unless given.
  public static func zerosLike(_ x: Tensor, dtype: DType? = nil) throws -> Tensor {
    try zeros(x.shape, dtype: dtype ?? x.dtype, device: x.device)
  }

  /// `torch.ones_like(x)`.
  public static func onesLike(_ x: Tensor, dtype: DType? = nil) throws -> Tensor {
    try ones(x.shape, dtype: dtype ?? x.dtype, device: x.device)
  }

  /// `torch.full_like(x, value)`.
  public static func fullLike(_ x: Tensor, _ value: Scalar, dtype: DType? = nil) throws -> Tensor {
    try full(x.shape, value, dtype: dtype ?? x.dtype, device: x.device)
  }

  /// `torch.empty_like(x)` (contiguous; the contents are undefined).
  public static func emptyLike(_ x: Tensor, dtype: DType? = nil) throws -> Tensor {
    try empty(x.shape, dtype: dtype ?? x.dtype, device: x.device)
  }

  /// `torch.randn_like(x)`.
  public static func randnLike(_ x: Tensor) throws -> Tensor { try randn(x.shape, dtype: x.dtype, device: x.device) }

  /// `torch.rand_like(x)`.
  public static func randLike(_ x: Tensor) throws -> Tensor { try rand(x.shape, dtype: x.dtype, device: x.device) }
}
