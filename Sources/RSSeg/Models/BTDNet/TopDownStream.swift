import Torch

/// One top-down stream of the SimpleDecoding form (LAVT's decoder without its classifier),
/// run step by step so that two streams can exchange between steps (`TwinStreamDecoder`).
///
/// Step k (k = 4, 3, 2 in the official names) upsamples the running features to the next finer
/// stage (bilinear, align_corners = true, only when smaller), concatenates that stage and
/// applies (conv3×3 no bias → BN → ReLU) ×2. Keys as SimpleDecoding's: `conv1_4`, `bn1_4`,
/// `conv2_4`, `bn2_4`, `conv1_3`, …, `bn2_2`.
public final class TopDownStream: Module {
  @ModuleInfo(key: "conv1_4") var conv14: Conv2d
  @ModuleInfo(key: "bn1_4") var bn14: BatchNorm2d
  @ModuleInfo(key: "conv2_4") var conv24: Conv2d
  @ModuleInfo(key: "bn2_4") var bn24: BatchNorm2d
  @ModuleInfo(key: "conv1_3") var conv13: Conv2d
  @ModuleInfo(key: "bn1_3") var bn13: BatchNorm2d
  @ModuleInfo(key: "conv2_3") var conv23: Conv2d
  @ModuleInfo(key: "bn2_3") var bn23: BatchNorm2d
  @ModuleInfo(key: "conv1_2") var conv12: Conv2d
  @ModuleInfo(key: "bn1_2") var bn12: BatchNorm2d
  @ModuleInfo(key: "conv2_2") var conv22: Conv2d
  @ModuleInfo(key: "bn2_2") var bn22: BatchNorm2d
  /// Width of every step's output (c4/2).
  public let hidden: Int

  /// - Parameter c4: the stride-32 stage width (8·embed); the finer stages are c4/2, c4/4, c4/8.
  public init(c4: Int) throws {
    hidden = c4 / 2
    super.init()
    let h = hidden
    conv14 = try Conv2d(c4 + c4 / 2, h, kernelSize: 3, padding: 1, bias: false)
    conv13 = try Conv2d(h + c4 / 4, h, kernelSize: 3, padding: 1, bias: false)
    conv12 = try Conv2d(h + c4 / 8, h, kernelSize: 3, padding: 1, bias: false)
    conv24 = try Conv2d(h, h, kernelSize: 3, padding: 1, bias: false)
    conv23 = try Conv2d(h, h, kernelSize: 3, padding: 1, bias: false)
    conv22 = try Conv2d(h, h, kernelSize: 3, padding: 1, bias: false)
    bn14 = try BatchNorm2d(h)
    bn24 = try BatchNorm2d(h)
    bn13 = try BatchNorm2d(h)
    bn23 = try BatchNorm2d(h)
    bn12 = try BatchNorm2d(h)
    bn22 = try BatchNorm2d(h)
  }

  /// Top-down step `index` (0: stride 32 + 16, 1: + stride 8, 2: + stride 4).
  /// - Parameters:
  ///   - x: the running features (the stride-32 stage output for step 0) `[B, C, h, w]`.
  ///   - skip: the next finer stage's output `[B, C', H, W]`.
  public func step(_ index: Int, _ x: Tensor, _ skip: Tensor) throws -> Tensor {
    let layers: (Conv2d, BatchNorm2d, Conv2d, BatchNorm2d)
    switch index {
    case 0: layers = (conv14, bn14, conv24, bn24)
    case 1: layers = (conv13, bn13, conv23, bn23)
    case 2: layers = (conv12, bn12, conv22, bn22)
    default: throw TorchError.invalidArgument("TopDownStream: step \(index) is not 0, 1 or 2")
    }
    var up = x
    if x.shape[2] < skip.shape[2] || x.shape[3] < skip.shape[3] {
      up = try Functional.interpolate(x, size: [skip.shape[2], skip.shape[3]], mode: .bilinear, alignCorners: true)
    }
    let y = try layers.1(layers.0(Tensor.cat([up, skip], dim: 1))).relu()
    return try layers.3(layers.2(y)).relu()
  }
}
