import Torch

/// T-BTD, the Target-Background TwinStream Decoder (BTDNet spec §3; the internals are our
/// design from the paper's abstract): the decoder that replaces SimpleDecoding
/// (`LAVTConfig.twinDecoder`).
///
/// Two streams of SimpleDecoding's form (`TopDownStep`s) with separate weights, a target stream
/// T and a background stream G. After each top-down step k each predicts a one-channel logit
/// map (t_k, g_k, Conv 1×1) and they exchange, both from the pre-exchange features:
/// T_k ← T_k ⊙ (2 − σ(g_k)), G_k ← G_k ⊙ (2 − σ(t_k)).
/// Joint prediction: Conv 1×1 over concat(T_1, G_1) → 2-class logits (background, target) at
/// stride 4. Keys: `target.{conv1_4, bn1_4, …, bn2_2}`, `background.*` (SimpleDecoding's names),
/// `target_maps.<k>`, `background_maps.<k>`, `joint`.
public final class TwinStreamDecoder: Module, ReferringDecoder {
  @ModuleInfo public var target: TopDownStream
  @ModuleInfo public var background: TopDownStream
  @ModuleInfo(key: "target_maps") public var targetMaps: [Conv2d]
  @ModuleInfo(key: "background_maps") public var backgroundMaps: [Conv2d]
  @ModuleInfo public var joint: Conv2d

  /// What the decoder produces (maps listed coarse to fine: strides 16, 8, 4).
  public struct Output {
    /// `[B, 2, H/4, W/4]` logits (background, target).
    public let logits: Tensor
    /// t_k `[B, 1, h_k, w_k]`.
    public let targetMaps: [Tensor]
    /// g_k `[B, 1, h_k, w_k]`.
    public let backgroundMaps: [Tensor]
    /// concat(T_1, G_1) `[B, 2·hidden, H/4, W/4]`, the stride-4 features.
    public let features: Tensor
  }

  /// - Parameter dims: the four stage widths, finest first (C, 2C, 4C, 8C in LAVT).
  public init(dims: [Int]) throws {
    super.init()
    target = try TopDownStream(dims: dims)
    background = try TopDownStream(dims: dims)
    let h = target.hidden
    targetMaps = try (0..<3).map { _ in try Conv2d(h, 1, kernelSize: 1) }
    backgroundMaps = try (0..<3).map { _ in try Conv2d(h, 1, kernelSize: 1) }
    joint = try Conv2d(2 * h, 2, kernelSize: 1)
  }

  /// The decoder seam's view: `sideLogits` holds t_3, t_2, t_1 then g_3, g_2, g_1 (split them
  /// with `streamMaps`), `features` concat(T_1, G_1).
  public func callAsFunction(_ stages: [Tensor]) throws -> ReferringDecoderOutput {
    let out = try forward(stages)
    return ReferringDecoderOutput(logits: out.logits, sideLogits: out.targetMaps + out.backgroundMaps, features: out.features)
  }

  /// Splits `ReferringDecoderOutput.sideLogits` of this decoder into (t_k, g_k).
  public static func streamMaps(_ sideLogits: [Tensor]) throws -> (target: [Tensor], background: [Tensor]) {
    guard sideLogits.count == 6 else {
      throw TorchError.invalidArgument("T-BTD: expected 6 side maps (3 target, 3 background), got \(sideLogits.count)")
    }
    return (Array(sideLogits[..<3]), Array(sideLogits[3...]))
  }

  /// - Parameter stages: the stage outputs `[B, C_i, H_i, W_i]`, finest first.
  public func forward(_ stages: [Tensor]) throws -> Output {
    guard stages.count == 4 else { throw ModelConfigError.invalid("T-BTD needs 4 stage outputs, got \(stages.count)") }
    var t = stages[3]
    var g = stages[3]
    var tMaps: [Tensor] = []
    var gMaps: [Tensor] = []
    for k in 0..<3 {
      let fine = stages[2 - k]
      t = try target.steps[k](t, fine)
      g = try background.steps[k](g, fine)
      let tk = try targetMaps[k](t)
      let gk = try backgroundMaps[k](g)
      (t, g) = try TwinStreamDecoder.exchange(target: t, background: g, targetMap: tk, backgroundMap: gk)
      tMaps.append(tk)
      gMaps.append(gk)
    }
    let features = try Tensor.cat([t, g], dim: 1)
    return Output(logits: try joint(features), targetMaps: tMaps, backgroundMaps: gMaps, features: features)
  }

  /// The exchange of one step: each stream is amplified where the other stream's map is low.
  public static func exchange(
    target t: Tensor, background g: Tensor, targetMap tk: Tensor, backgroundMap gk: Tensor
  ) throws -> (target: Tensor, background: Tensor) {
    (try t * (2 - gk.sigmoid()), try g * (2 - tk.sigmoid()))
  }
}

/// One stream of T-BTD: SimpleDecoding's three `TopDownStep`s without its classifier, keyed
/// like SimpleDecoding (`conv1_4`, `bn1_4`, `conv2_4`, `bn2_4`, `conv1_3`, …, `bn2_2`).
public final class TopDownStream: Module {
  let steps: [TopDownStep]
  /// Width of every step's output (c4/2).
  public let hidden: Int

  public init(dims: [Int]) throws {
    guard dims.count == 4 else { throw ModelConfigError.invalid("T-BTD needs 4 stage widths, got \(dims)") }
    hidden = dims[3] / 2
    steps = [
      try TopDownStep(inChannels: dims[3] + dims[2], hidden: hidden),
      try TopDownStep(inChannels: hidden + dims[1], hidden: hidden),
      try TopDownStep(inChannels: hidden + dims[0], hidden: hidden),
    ]
    super.init()
  }

  public override func entries() -> [ModuleEntry] {
    zip(steps, [4, 3, 2]).flatMap { $0.entries(suffix: $1) }
  }
}
