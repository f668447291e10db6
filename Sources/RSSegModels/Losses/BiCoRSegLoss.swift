import Torch

/// The loss terms of one BiCoR-Seg training step (each a 0-dim tensor).
public struct BiCoRSegLossTerms {
  /// Main(seg) + auxWeight · SoftCE(aux).
  public let segAux: Tensor
  /// FDL of the final class embeddings (configurations with the in-model Fisher loss).
  public let fisherFinal: Tensor?
  /// Σ_l β_l · Main(upsampled H_l), before `heatmapWeight`.
  public let heatmapSum: Tensor
  /// Σ_l α_l · FDL(CE'_l), before `fisherLayersWeight`.
  public let fisherLayersSum: Tensor
  public let total: Tensor
}

/// The total BiCoR-Seg training loss (spec §2):
/// total = Main(seg) + 0.4·SoftCE(aux) + 1.0·fisher_final + 0.1·Σ_l Heatmap_l + 0.1·Σ_l FDL(CE'_l).
public struct BiCoRSegLoss {
  public var main: SoftCEDiceLoss
  public var auxiliary: SoftCrossEntropyLoss
  public var heatmaps: HeatmapSupervisionLoss
  public var fisher: FisherDiscriminativeLoss
  public var auxWeight = 0.4
  public var fisherFinalWeight = 1.0
  public var heatmapWeight = 0.1
  public var fisherLayersWeight = 0.1
  /// Per-layer FDL weights α_l; layers beyond the list get 1.
  public var fisherLayerAlphas: [Double] = []

  public init(ignoreIndex: Int) {
    main = SoftCEDiceLoss(ignoreIndex: ignoreIndex)
    auxiliary = SoftCrossEntropyLoss(smoothing: 0.05, ignoreIndex: ignoreIndex)
    heatmaps = HeatmapSupervisionLoss(main: main)
    fisher = FisherDiscriminativeLoss()
  }

  /// - Parameters:
  ///   - output: a training-mode forward pass.
  ///   - target: labels `[B, H, W]` (int64).
  public func callAsFunction(_ output: BiCoRSegOutput, _ target: Tensor) throws -> BiCoRSegLossTerms {
    var segAux = try main(output.seg, target)
    if let aux = output.aux { segAux = try segAux + auxWeight * auxiliary(aux, target) }
    let heatmapSum = try heatmaps(output.heatmaps, target)
    var fisherLayersSum: Tensor?
    for (l, embeddings) in output.classEmbeddings.enumerated() {
      let term = try fisher(embeddings) * (l < fisherLayerAlphas.count ? fisherLayerAlphas[l] : 1)
      fisherLayersSum = try fisherLayersSum.map { try $0 + term } ?? term
    }
    guard let fisherLayersSum else { throw TorchError.invalidArgument("BiCoRSegLoss: the output has no class embeddings") }
    var total = try segAux + heatmapWeight * heatmapSum + fisherLayersWeight * fisherLayersSum
    if let fisherFinal = output.fisherFinal { total = try total + fisherFinalWeight * fisherFinal }
    return BiCoRSegLossTerms(
      segAux: segAux, fisherFinal: output.fisherFinal, heatmapSum: heatmapSum, fisherLayersSum: fisherLayersSum, total: total)
  }
}
