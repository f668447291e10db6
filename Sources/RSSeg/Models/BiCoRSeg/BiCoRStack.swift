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

  func callAsFunction(classEmbeddings ce0: Tensor, features f0: Tensor) throws -> Output {
    var (ce, f) = (ce0, f0)
    var heatmaps: [Tensor] = []
    var embeddings: [Tensor] = []
    for layer in layers {
      let out = try layer(classEmbeddings: ce, features: f)
      (ce, f) = (out.classEmbeddings, out.features)
      heatmaps.append(out.heatmap)
      embeddings.append(ce)
    }
    return Output(classEmbeddings: ce, features: f, heatmaps: heatmaps, layerClassEmbeddings: embeddings)
  }
}
