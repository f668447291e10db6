import Torch

/// The decoder (reference `BiCoRDecoder`): class dictionary, HBIS stack, upsampler to full
/// resolution, dynamic classifier and (training only) the auxiliary static classifier.
final class BiCoRDecoder: Module {
  @ModuleInfo var classDict: ClassDictionary
  @ModuleInfo var bicorStack: BiCoRStack
  /// PixelShuffle(2) → LayerNorm2d(C/4) → GELU → PixelShuffle(2) → GELU: ×4 resolution, C/16 wide.
  let upsampler: Sequential
  @ModuleInfo var classifierProj: Linear
  @ModuleInfo var staticClassifier: Linear
  let config: BiCoRSegConfig

  init(config: BiCoRSegConfig) throws {
    let c = config.embedDim
    self.config = config
    _classDict = ModuleInfo(wrappedValue: try ClassDictionary(classes: config.classes, dim: c), key: "class_dict")
    _bicorStack = ModuleInfo(wrappedValue: try BiCoRStack(config: config), key: "bicor_stack")
    upsampler = Sequential(PixelShuffle(2), try LayerNorm2d(c / 4, eps: 1e-6), GELU(), PixelShuffle(2), GELU())
    _classifierProj = ModuleInfo(wrappedValue: try Linear(c, c / 16, bias: false), key: "classifier_proj")
    _staticClassifier = ModuleInfo(wrappedValue: try Linear(c, c / 16, bias: false), key: "static_classifier")
    super.init()
  }

  /// Logits `[B, N, H, W]` from class weights `[B, N, C/16]` and upsampled features
  /// `[B, C/16, H, W]` (einsum 'bnc,bchw->bnhw').
  private func classify(_ weights: Tensor, _ upsampled: Tensor) throws -> Tensor {
    let (b, h, w) = (upsampled.shape[0], upsampled.shape[2], upsampled.shape[3])
    return try weights.matmul(upsampled.flatten(startDim: 2)).reshape([b, -1, h, w])
  }

  /// - Parameter features: F0 `[B, C, H4, W4]`.
  func callAsFunction(_ features: Tensor) throws -> BiCoRSegOutput {
    let batch = features.shape[0]
    let stack = try bicorStack(classEmbeddings: classDict.expanded(batch: batch), features: features)
    let seg = try classify(classifierProj(stack.classEmbeddings), upsampler(stack.features))
    guard training else {
      return BiCoRSegOutput(seg: seg, heatmaps: stack.heatmaps, classEmbeddings: stack.layerClassEmbeddings)
    }
    var aux: Tensor?
    if config.useAux {
      // The static dictionary reaches the auxiliary head without gradient.
      let staticEmbeddings = try classDict.expanded(batch: batch).detach()
      aux = try classify(staticClassifier(staticEmbeddings), upsampler(features))
    }
    let fisher = config.inModelFisher ? try FisherDiscriminativeLoss()(stack.classEmbeddings) : nil
    return BiCoRSegOutput(
      seg: seg, aux: aux, fisherFinal: fisher, heatmaps: stack.heatmaps, classEmbeddings: stack.layerClassEmbeddings)
  }
}
