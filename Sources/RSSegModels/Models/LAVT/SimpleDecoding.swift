import Torch

/// What a referring decoder produces from the four stage outputs.
public struct ReferringDecoderOutput {
  /// 2-class logits (background, target) at the finest stage's resolution (stride 4).
  public var logits: Tensor
  /// Side predictions for deep supervision (e.g. BTDNet's per-step target/background maps);
  /// empty for SimpleDecoding.
  public var sideLogits: [Tensor]
  /// The finest decoder features before the classifier (e.g. for BTDNet's pixel
  /// reconstruction).
  public var features: Tensor?

  public init(logits: Tensor, sideLogits: [Tensor] = [], features: Tensor? = nil) {
    self.logits = logits
    self.sideLogits = sideLogits
    self.features = features
  }
}

/// The decoder seam: LAVT's `SimpleDecoding`, or BTDNet's twin-stream decoder (chosen in
/// `LAVT.makeDecoder`).
public protocol ReferringDecoder: Module {
  /// - Parameter stages: the stage outputs `[B, C_i, H_i, W_i]`, finest first.
  func callAsFunction(_ stages: [Tensor]) throws -> ReferringDecoderOutput
}

/// One top-down step of SimpleDecoding: (conv 3×3 without bias → BN → ReLU) × 2.
/// Keys (in the decoder): `conv1_<s>`, `bn1_<s>`, `conv2_<s>`, `bn2_<s>`.
struct TopDownStep {
  let conv1: Conv2d
  let bn1: BatchNorm2d
  let conv2: Conv2d
  let bn2: BatchNorm2d

  init(inChannels: Int, hidden: Int) throws {
    conv1 = try Conv2d(inChannels, hidden, kernelSize: 3, padding: 1, bias: false)
    bn1 = try BatchNorm2d(hidden)
    conv2 = try Conv2d(hidden, hidden, kernelSize: 3, padding: 1, bias: false)
    bn2 = try BatchNorm2d(hidden)
  }

  func entries(suffix: Int) -> [ModuleEntry] {
    let modules: [(String, Module)] = [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)]
    return modules.map { name, module in ModuleEntry(key: "\(name)_\(suffix)", item: .module(module)) }
  }

  /// Upsamples `coarse` (bilinear, align_corners) to `fine` when it is smaller, concatenates,
  /// and applies the convolutions.
  func callAsFunction(_ coarse: Tensor, _ fine: Tensor) throws -> Tensor {
    var x = coarse
    let size = Array(fine.shape[2...])
    if x.shape[2] < size[0] || x.shape[3] < size[1] {
      x = try Functional.interpolate(x, size: size, mode: .bilinear, alignCorners: true)
    }
    x = try bn1(conv1(Tensor.cat([x, fine], dim: 1))).relu()
    return try bn2(conv2(x)).relu()
  }
}

/// LAVT's `SimpleDecoding(c4_dims = 8·embed)`: hidden width c4/2; three top-down steps
/// (stage 4 + 3 → `_4`, + 2 → `_3`, + 1 → `_2`), then `conv1_1` (1×1, with bias) → 2 classes at
/// stride 4.
public final class SimpleDecoding: Module, ReferringDecoder {
  let steps: [TopDownStep]
  let classifier: Conv2d

  /// - Parameter dims: the four stage widths, finest first (C, 2C, 4C, 8C in LAVT).
  public init(dims: [Int]) throws {
    guard dims.count == 4 else { throw ModelConfigError.invalid("SimpleDecoding needs 4 stage widths, got \(dims)") }
    let hidden = dims[3] / 2
    steps = [
      try TopDownStep(inChannels: dims[3] + dims[2], hidden: hidden),
      try TopDownStep(inChannels: hidden + dims[1], hidden: hidden),
      try TopDownStep(inChannels: hidden + dims[0], hidden: hidden),
    ]
    classifier = try Conv2d(hidden, 2, kernelSize: 1)
    super.init()
  }

  public override func entries() -> [ModuleEntry] {
    zip(steps, [4, 3, 2]).flatMap { $0.entries(suffix: $1) } + [ModuleEntry(key: "conv1_1", item: .module(classifier))]
  }

  public func callAsFunction(_ stages: [Tensor]) throws -> ReferringDecoderOutput {
    guard stages.count == 4 else { throw ModelConfigError.invalid("SimpleDecoding needs 4 stage outputs, got \(stages.count)") }
    var x = stages[3]
    for (step, fine) in zip(steps, [stages[2], stages[1], stages[0]]) { x = try step(x, fine) }
    return ReferringDecoderOutput(logits: try classifier(x), features: x)
  }
}
