import Torch

/// The L HBIS layers (reference `BiCoRStack`, keys `layers.<l>`).
final class BiCoRStack: Module {
  let layers: [HBISLayer]

  struct Output {
    /// CE_L `[B, N, C]` and F_L `[B, C, H4, W4]`.
    let classEmbeddings: Tensor
    let features: Tensor
    /// H_l `[B, N, H4, W4]` and CE'_l `[B, N, C]` for each layer l.
    let heatmaps: [Tensor]
    let layerClassEmbeddings: [Tensor]
  }

  init(config: BiCoRSegConfig) throws {
    layers = try (0..<config.layers).map { _ in try HBISLayer(config: config) }
    super.init()
  }

  /// - Parameter dictionary: per layer the class evidence `[N, C]` each layer uses instead of
  ///   pooling its own (a scene dictionary); nil: each layer pools these features.
  func callAsFunction(classEmbeddings ce0: Tensor, features f0: Tensor, dictionary: [Tensor]? = nil) throws -> Output {
    var (ce, f) = (ce0, f0)
    var heatmaps: [Tensor] = []
    var embeddings: [Tensor] = []
    for (l, layer) in layers.enumerated() {
      // Recomputed in backward: a layer keeps several [B, C, H4, W4] tensors for it otherwise.
      let out = try Torch.checkpoint([ce, f]) { inputs in
        let out = try layer(classEmbeddings: inputs[0], features: inputs[1], pooled: dictionary?[l])
        return [out.classEmbeddings, out.features, out.heatmap]
      }
      (ce, f) = (out[0], out[1])
      heatmaps.append(out[2])
      embeddings.append(ce)
    }
    return Output(classEmbeddings: ce, features: f, heatmaps: heatmaps, layerClassEmbeddings: embeddings)
  }

  /// Each layer's pooled evidence before normalisation `[B, L, N, C + 1]` (`HBISLayer.evidence`),
  /// each layer run on what the previous one refined (inference only).
  func evidence(classEmbeddings ce0: Tensor, features f0: Tensor) throws -> Tensor {
    var (ce, f) = (ce0, f0)
    var evidence: [Tensor] = []
    for layer in layers {
      let out = try layer(classEmbeddings: ce, features: f, withEvidence: true)
      (ce, f) = (out.classEmbeddings, out.features)
      evidence.append(out.evidence!)
    }
    return try Tensor.stack(evidence, dim: 1)
  }
}
