import CTorch
import Foundation

// Parameter initialisation (`torch.nn.init`), in place and outside autograd.

public enum Init {
  /// `fan_in` and `fan_out` of a weight `[out, in, *kernel]`, as torch.nn.init computes them.
  public static func fans(_ t: Tensor) throws -> (fanIn: Int, fanOut: Int) {
    let s = t.shape
    guard s.count >= 2 else {
      throw TorchError.invalidArgument("fan in and fan out need a tensor of at least 2 dimensions, got \(s)")
    }
    let receptive = s.dropFirst(2).reduce(1, *)
    return (s[1] * receptive, s[0] * receptive)
  }

  public static func uniform_(_ t: Tensor, low: Double = 0, high: Double = 1) throws {
    try check(rs_init_(t.handle, RS_INIT_UNIFORM, low, high, 0, 0), "uniform_")
  }

  public static func normal_(_ t: Tensor, mean: Double = 0, std: Double = 1) throws {
    try check(rs_init_(t.handle, RS_INIT_NORMAL, mean, std, 0, 0), "normal_")
  }

  /// timm's `trunc_normal_(t, mean, std, a, b)`: normal values truncated to [a, b] (absolute
  /// bounds, not multiples of std), as ConvNeXt and Swin initialise their weights.
  public static func truncNormal_(_ t: Tensor, mean: Double = 0, std: Double = 1, a: Double = -2, b: Double = 2) throws {
    try check(rs_init_(t.handle, RS_INIT_TRUNC_NORMAL, mean, std, a, b), "trunc_normal_")
  }

  public static func constant_(_ t: Tensor, _ value: Double) throws {
    try check(rs_init_(t.handle, RS_INIT_CONSTANT, value, 0, 0, 0), "constant_")
  }

  public static func zeros_(_ t: Tensor) throws { try constant_(t, 0) }
  public static func ones_(_ t: Tensor) throws { try constant_(t, 1) }

  /// `kaiming_uniform_(t, a, mode="fan_in", nonlinearity="leaky_relu")`:
  /// bound = sqrt(6 / ((1 + a²) · fan_in)).
  public static func kaimingUniform_(_ t: Tensor, a: Double = 0) throws {
    let fanIn = try fans(t).fanIn
    let bound = (6.0 / ((1 + a * a) * Double(fanIn))).squareRoot()
    try uniform_(t, low: -bound, high: bound)
  }

  /// `xavier_uniform_(t, gain)`: bound = gain · sqrt(6 / (fan_in + fan_out)).
  public static func xavierUniform_(_ t: Tensor, gain: Double = 1) throws {
    let (fanIn, fanOut) = try fans(t)
    let bound = gain * (6.0 / Double(fanIn + fanOut)).squareRoot()
    try uniform_(t, low: -bound, high: bound)
  }

  /// PyTorch's default for Linear and Conv: weight kaiming-uniform with a = sqrt(5) (bound
  /// 1/sqrt(fan_in)) and bias uniform in ±1/sqrt(fan_in).
  static func linearDefault_(weight: Tensor, bias: Tensor?) throws {
    try kaimingUniform_(weight, a: 5.0.squareRoot())
    if let bias {
      let fanIn = try fans(weight).fanIn
      let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
      try uniform_(bias, low: -bound, high: bound)
    }
  }

  /// A new parameter: an uninitialised float tensor of `shape` that requires gradients.
  static func parameter(_ shape: [Int], dtype: DType = .float32) throws -> Tensor {
    try Tensor.empty(shape, dtype: dtype).requiresGrad(true)
  }
}
