import Torch

/// The decoder (reference `BiCoRDecoder`): class dictionary, HBIS stack, upsampler to full
/// resolution, dynamic classifier and (training only) the auxiliary static classifier.
final class BiCoRDecoder: Module {
  @ModuleInfo(key: "class_dict") var classDict: ClassDictionary
  @ModuleInfo(key: "bicor_stack") var bicorStack: BiCoRStack
  /// PixelShuffle(2) → LayerNorm2d(C/4) → GELU → PixelShuffle(2) → GELU: ×4 resolution, C/16 wide.
  let upsampler: Sequential
  @ModuleInfo(key: "classifier_proj") var classifierProj: Linear
  @ModuleInfo(key: "static_classifier") var staticClassifier: Linear
  let config: BiCoRSegConfig

  init(config: BiCoRSegConfig) throws {
    let c = config.embedDim
    self.config = config
    _classDict.wrappedValue = try ClassDictionary(classes: config.classes, dim: c)
    _bicorStack.wrappedValue = try BiCoRStack(config: config)
    upsampler = Sequential(PixelShuffle(2), try LayerNorm2d(c / 4, eps: 1e-6), GELU(), PixelShuffle(2), GELU())
    _classifierProj.wrappedValue = try Linear(c, c / 16, bias: false)
    _staticClassifier.wrappedValue = try Linear(c, c / 16, bias: false)
    super.init()
  }

  /// Logits `[B, N, H, W]` for each pair of class weights `[B, N, C/16]` and features
  /// `[B, C, H4, W4]`: the upsampler, then einsum 'bnc,bchw->bnhw'. One call recomputed in
  /// backward for all pairs: the upsampler keeps four full-resolution tensors per pair for
  /// backward otherwise, and in two such calls its parameters would report their gradients
  /// twice in one backward pass (which `DataParallel` refuses).
  private func classify(_ pairs: [(weights: Tensor, features: Tensor)]) throws -> [Tensor] {
    try Torch.checkpoint(pairs.flatMap { [$0.weights, $0.features] }) { inputs in
      try stride(from: 0, to: inputs.count, by: 2).map { k in
        // LayerNorm2d leaves the upsampled features channels-last, and the product runs pixel-major
        // so that their gradients come back channels-last too: GELU's backward took 15× longer
        // where its input's layout and its gradient's differ (0.2 s of a BiCoR-Seg bf16 step).
        let upsampled = try self.upsampler(inputs[k + 1])
        let (b, c, h, w) = (upsampled.shape[0], upsampled.shape[1], upsampled.shape[2], upsampled.shape[3])
        let pixels = try upsampled.permute([0, 2, 3, 1]).reshape([b, h * w, c])
        return try pixels.matmul(inputs[k].transpose(1, 2)).transpose(1, 2).reshape([b, -1, h, w]).contiguous()
      }
    }
  }

  /// - Parameters:
  ///   - features: F0 `[B, C, H4, W4]`.
  ///   - dictionary: per HBIS layer the class evidence `[N, C]` to use instead of pooling these
  ///     features (`BiCoRSeg.forward(_:dictionary:)`).
  func callAsFunction(_ features: Tensor, dictionary: [Tensor]? = nil) throws -> BiCoRSegOutput {
    let batch = features.shape[0]
    let stack = try bicorStack(classEmbeddings: classDict.expanded(batch: batch), features: features, dictionary: dictionary)
    var heads = [(try classifierProj(stack.classEmbeddings), stack.features)]
    let withAux = training && config.useAux
    if withAux {
      // The static dictionary reaches the auxiliary head without gradient.
      let staticEmbeddings = try classDict.expanded(batch: batch).detach()
      heads.append((try staticClassifier(staticEmbeddings), features))
    }
    let logits = try classify(heads)
    guard training else {
      return BiCoRSegOutput(seg: logits[0], heatmaps: stack.heatmaps, classEmbeddings: stack.layerClassEmbeddings)
    }
    let fisher = config.inModelFisher ? try FisherDiscriminativeLoss()(stack.classEmbeddings) : nil
    return BiCoRSegOutput(
      seg: logits[0], aux: withAux ? logits[1] : nil, fisherFinal: fisher, heatmaps: stack.heatmaps,
      classEmbeddings: stack.layerClassEmbeddings)
  }

  /// The HBIS layers' pooled evidence before normalisation `[B, L, N, C + 1]` for F0.
  func evidence(_ features: Tensor) throws -> Tensor {
    try bicorStack.evidence(classEmbeddings: classDict.expanded(batch: features.shape[0]), features: features)
  }
}
