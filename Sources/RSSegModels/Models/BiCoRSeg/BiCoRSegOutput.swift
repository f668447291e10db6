import Torch

/// What BiCoR-Seg returns. In evaluation mode only `seg` is meaningful for prediction; `aux` and
/// `fisherFinal` are nil. Shapes: N classes, C embedding width, H×W the input size.
public struct BiCoRSegOutput {
  /// Segmentation logits `[B, N, H, W]`.
  public let seg: Tensor
  /// Auxiliary logits of the static class dictionary `[B, N, H, W]` (training, `useAux`).
  public var aux: Tensor?
  /// Fisher discriminative loss of the final class embeddings, a 0-dim tensor (training,
  /// `inModelFisher`).
  public var fisherFinal: Tensor?
  /// Heatmap logits of each HBIS layer `[B, N, H/4, W/4]`.
  public let heatmaps: [Tensor]
  /// Class embeddings after each HBIS layer `[B, N, C]`.
  public let classEmbeddings: [Tensor]

  public init(seg: Tensor, aux: Tensor? = nil, fisherFinal: Tensor? = nil, heatmaps: [Tensor], classEmbeddings: [Tensor]) {
    self.seg = seg
    self.aux = aux
    self.fisherFinal = fisherFinal
    self.heatmaps = heatmaps
    self.classEmbeddings = classEmbeddings
  }
}
