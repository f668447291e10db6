import CTorch

/// `F.interpolate` modes.
public enum InterpolationMode: Sendable {
  case nearest
  case bilinear
  case bicubic

  var c: rs_interp_mode {
    switch self {
    case .nearest: return RS_INTERP_NEAREST
    case .bilinear: return RS_INTERP_BILINEAR
    case .bicubic: return RS_INTERP_BICUBIC
    }
  }
}

/// `F.pad` modes.
public enum PaddingMode: Sendable {
  case constant(Double)
  case reflect
  case replicate
  case circular
}

extension Functional {
  /// `F.interpolate` on `[N, C, H, W]` to `size` `[outH, outW]`.
  public static func interpolate(
    _ x: Tensor, size: [Int], mode: InterpolationMode = .nearest, alignCorners: Bool = false
  ) throws -> Tensor {
    guard size.count == 2 else {
      throw TorchError.invalidArgument("interpolate: size needs 2 values [H, W], got \(size)")
    }
    return try withInt64s(size) { p, _ in
      try makeTensor("interpolate") { rs_interpolate($0, x.handle, mode.c, p, nil, alignCorners ? 1 : 0) }
    }
  }

  /// `F.interpolate` on `[N, C, H, W]` by `scaleFactor` (one value for both axes or `[h, w]`);
  /// the output size is floor(input · scale) and the kernel uses the given scale, as PyTorch
  /// does with `recompute_scale_factor=None`.
  public static func interpolate(
    _ x: Tensor, scaleFactor: [Double], mode: InterpolationMode = .nearest, alignCorners: Bool = false
  ) throws -> Tensor {
    let scale: [Double]
    switch scaleFactor.count {
    case 1: scale = [scaleFactor[0], scaleFactor[0]]
    case 2: scale = scaleFactor
    default: throw TorchError.invalidArgument("interpolate: scale factor needs 1 or 2 values, got \(scaleFactor)")
    }
    return try scale.withUnsafeBufferPointer { sp in
      try makeTensor("interpolate") { rs_interpolate($0, x.handle, mode.c, nil, sp.baseAddress, alignCorners ? 1 : 0) }
    }
  }

  /// `F.pixel_shuffle`: `[N, C·r², H, W]` → `[N, C, H·r, W·r]`.
  public static func pixelShuffle(_ x: Tensor, upscaleFactor: Int) throws -> Tensor {
    try makeTensor("pixel_shuffle") { rs_pixel_shuffle($0, x.handle, Int64(upscaleFactor), 0) }
  }

  /// `F.pixel_unshuffle`: `[N, C, H·r, W·r]` → `[N, C·r², H, W]`.
  public static func pixelUnshuffle(_ x: Tensor, downscaleFactor: Int) throws -> Tensor {
    try makeTensor("pixel_unshuffle") { rs_pixel_shuffle($0, x.handle, Int64(downscaleFactor), 1) }
  }

  /// `F.pad`: `pad` lists (before, after) pairs starting from the last dimension, e.g.
  /// `[left, right, top, bottom]`.
  public static func pad(_ x: Tensor, _ pad: [Int], mode: PaddingMode = .constant(0)) throws -> Tensor {
    let (code, value): (rs_pad_mode, Double)
    switch mode {
    case .constant(let v): (code, value) = (RS_PAD_CONSTANT, v)
    case .reflect: (code, value) = (RS_PAD_REFLECT, 0)
    case .replicate: (code, value) = (RS_PAD_REPLICATE, 0)
    case .circular: (code, value) = (RS_PAD_CIRCULAR, 0)
    }
    return try withInt64s(pad) { p, n in try makeTensor("pad") { rs_pad($0, x.handle, p, n, code, value) } }
  }

  /// `F.max_pool2d` on `[N, C, H, W]`; `stride` defaults to the kernel size.
  public static func maxPool2d(
    _ x: Tensor, kernelSize: SpatialSize, stride: SpatialSize? = nil, padding: SpatialSize = 0,
    dilation: SpatialSize = 1, ceilMode: Bool = false
  ) throws -> Tensor {
    try pool2d(x, RS_POOL_MAX, kernelSize, stride, padding, dilation, ceilMode, true, "max_pool2d")
  }

  /// `F.avg_pool2d` on `[N, C, H, W]`; `stride` defaults to the kernel size.
  public static func avgPool2d(
    _ x: Tensor, kernelSize: SpatialSize, stride: SpatialSize? = nil, padding: SpatialSize = 0,
    ceilMode: Bool = false, countIncludePad: Bool = true
  ) throws -> Tensor {
    try pool2d(x, RS_POOL_AVG, kernelSize, stride, padding, 1, ceilMode, countIncludePad, "avg_pool2d")
  }

  /// `F.adaptive_avg_pool2d` to `outputSize` `[H, W]` (or one value for both).
  public static func adaptiveAvgPool2d(_ x: Tensor, outputSize: SpatialSize) throws -> Tensor {
    try adaptivePool2d(x, RS_POOL_AVG, outputSize, "adaptive_avg_pool2d")
  }

  /// `F.adaptive_max_pool2d` to `outputSize` (values only).
  public static func adaptiveMaxPool2d(_ x: Tensor, outputSize: SpatialSize) throws -> Tensor {
    try adaptivePool2d(x, RS_POOL_MAX, outputSize, "adaptive_max_pool2d")
  }

  private static func pool2d(
    _ x: Tensor, _ kind: rs_pool_kind, _ kernel: SpatialSize, _ stride: SpatialSize?, _ padding: SpatialSize,
    _ dilation: SpatialSize, _ ceilMode: Bool, _ countIncludePad: Bool, _ op: String
  ) throws -> Tensor {
    let k = try kernel.expanded(2, "\(op) kernel size")
    let s = try (stride ?? kernel).expanded(2, "\(op) stride")
    let p = try padding.expanded(2, "\(op) padding")
    let d = try dilation.expanded(2, "\(op) dilation")
    return try withInt64s(k + s + p + d) { v, _ in
      try makeTensor(op) {
        rs_pool2d($0, x.handle, kind, v!, v! + 2, v! + 4, v! + 6, ceilMode ? 1 : 0, countIncludePad ? 1 : 0)
      }
    }
  }

  private static func adaptivePool2d(_ x: Tensor, _ kind: rs_pool_kind, _ size: SpatialSize, _ op: String) throws -> Tensor {
    let s = try size.expanded(2, "\(op) output size")
    return try withInt64s(s) { p, _ in try makeTensor(op) { rs_adaptive_pool2d($0, x.handle, kind, p) } }
  }
}
