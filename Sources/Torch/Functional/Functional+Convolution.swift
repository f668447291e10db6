import CTorch

/// Padding of a convolution: explicit sizes per spatial dimension, or PyTorch's "same" /
/// "valid" strings. An integer literal pads every spatial dimension by that amount.
public enum ConvPadding: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, Sendable, Equatable {
  case explicit(SpatialSize)
  /// Output size = ceil(input / stride); PyTorch only allows it with stride 1.
  case same
  case valid

  public init(integerLiteral value: Int) { self = .explicit(SpatialSize([value])) }
  public init(arrayLiteral elements: Int...) { self = .explicit(SpatialSize(elements)) }
}

extension Functional {
  /// `F.linear`: `x @ weightᵀ + bias`; x `[*, in]`, weight `[out, in]`, bias `[out]`.
  public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
    try makeTensor("linear") { rs_linear($0, x.handle, weight.handle, bias?.handle) }
  }

  /// `F.conv2d`: x `[N, C, H, W]`, weight `[out, C/groups, kh, kw]`, bias `[out]`.
  public static func conv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: SpatialSize = 1,
    padding: ConvPadding = 0, dilation: SpatialSize = 1, groups: Int = 1
  ) throws -> Tensor {
    try conv(x, weight, bias, 2, stride, padding, dilation, groups, "conv2d")
  }

  /// `F.conv1d`: x `[N, C, L]`, weight `[out, C/groups, k]`, bias `[out]`.
  public static func conv1d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: SpatialSize = 1,
    padding: ConvPadding = 0, dilation: SpatialSize = 1, groups: Int = 1
  ) throws -> Tensor {
    try conv(x, weight, bias, 1, stride, padding, dilation, groups, "conv1d")
  }

  private static func conv(
    _ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ n: Int, _ stride: SpatialSize,
    _ padding: ConvPadding, _ dilation: SpatialSize, _ groups: Int, _ op: String
  ) throws -> Tensor {
    let s = try stride.expanded(n, "\(op) stride")
    let d = try dilation.expanded(n, "\(op) dilation")
    var p = Array(repeating: 0, count: n)
    let mode: rs_conv_padding
    switch padding {
    case .explicit(let sizes):
      p = try sizes.expanded(n, "\(op) padding")
      mode = RS_CONV_PAD_EXPLICIT
    case .same: mode = RS_CONV_PAD_SAME
    case .valid: mode = RS_CONV_PAD_VALID
    }
    return try withInt64s(s) { sp, _ in
      try withInt64s(p) { pp, _ in
        try withInt64s(d) { dp, _ in
          try makeTensor(op) {
            rs_conv($0, x.handle, weight.handle, bias?.handle, Int64(n), sp, pp, dp, Int64(groups), mode)
          }
        }
      }
    }
  }
}
