import Torch

/// T-BTD, the Target-Background TwinStream Decoder (BTDNet spec §3; the internals are our
/// design from the paper's abstract). It replaces LAVT's SimpleDecoding.
///
/// Two `TopDownStream`s with separate weights, a target stream T and a background stream G.
/// After each top-down step k each predicts a one-channel logit map (t_k, g_k, Conv 1×1) and
/// they exchange, both from the pre-exchange features:
/// T_k ← T_k ⊙ (2 − σ(g_k)), G_k ← G_k ⊙ (2 − σ(t_k)).
/// Joint prediction: Conv 1×1 over concat(T_1, G_1) → 2-class logits (background, target) at
/// stride 4. Keys: `target.*`, `background.*`, `target_maps.<k>`, `background_maps.<k>`, `joint`.
public final class TwinStreamDecoder: Module {
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

  /// - Parameter c4: the stride-32 stage width (8·embed).
  public init(c4: Int) throws {
    super.init()
    target = try TopDownStream(c4: c4)
    background = try TopDownStream(c4: c4)
    let h = target.hidden
    targetMaps = try (0..<3).map { _ in try Conv2d(h, 1, kernelSize: 1) }
    backgroundMaps = try (0..<3).map { _ in try Conv2d(h, 1, kernelSize: 1) }
    joint = try Conv2d(2 * h, 2, kernelSize: 1)
  }

  /// The stage outputs, finest first: c1 (stride 4), c2, c3, c4 (stride 32).
  public func callAsFunction(_ c4: Tensor, _ c3: Tensor, _ c2: Tensor, _ c1: Tensor) throws -> Output {
    var t = c4
    var g = c4
    var tMaps: [Tensor] = []
    var gMaps: [Tensor] = []
    for (k, skip) in [c3, c2, c1].enumerated() {
      t = try target.step(k, t, skip)
      g = try background.step(k, g, skip)
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
