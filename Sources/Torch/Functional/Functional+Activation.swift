import CTorch

extension Functional {
  /// `F.softmax(x, dim, dtype)`; `dtype` casts the input first (e.g. float32 for half inputs).
  public static func softmax(_ x: Tensor, dim: Int, dtype: DType? = nil) throws -> Tensor {
    try makeTensor("softmax") { rs_softmax($0, x.handle, Int64(dim), dtype?.rawValue ?? -1, 0) }
  }

  /// `F.log_softmax(x, dim, dtype)`.
  public static func logSoftmax(_ x: Tensor, dim: Int, dtype: DType? = nil) throws -> Tensor {
    try makeTensor("log_softmax") { rs_softmax($0, x.handle, Int64(dim), dtype?.rawValue ?? -1, 1) }
  }

  /// `F.dropout`: in training, zeroes elements with probability `p` and scales the rest by
  /// 1/(1-p); the identity otherwise.
  public static func dropout(_ x: Tensor, p: Double = 0.5, training: Bool = true) throws -> Tensor {
    try makeTensor("dropout") { rs_dropout($0, x.handle, p, training ? 1 : 0) }
  }

  /// Stochastic depth (torchvision `stochastic_depth(mode="row")`, timm `drop_path`): in
  /// training, drops whole samples of the batch with probability `p` and scales survivors by
  /// 1/(1-p); the identity otherwise.
  public static func dropPath(_ x: Tensor, p: Double, training: Bool = true) throws -> Tensor {
    try makeTensor("drop_path") { rs_drop_path($0, x.handle, p, training ? 1 : 0) }
  }
}

extension Tensor {
  /// `x.softmax(dim)`.
  public func softmax(dim: Int, dtype: DType? = nil) throws -> Tensor {
    try Functional.softmax(self, dim: dim, dtype: dtype)
  }

  /// `x.log_softmax(dim)`.
  public func logSoftmax(dim: Int, dtype: DType? = nil) throws -> Tensor {
    try Functional.logSoftmax(self, dim: dim, dtype: dtype)
  }
}
