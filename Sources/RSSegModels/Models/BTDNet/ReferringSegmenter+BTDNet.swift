import Torch

extension ReferringSegmenter: TrainingOnlyParameters {
  /// D-MOLS's heads serve training only.
  public var trainingOnlyPrefixes: [String] { ["dmols."] }
}

extension ReferringSegmenter {
  /// A forward pass with BTDNet's training outputs. In training mode with D-MOLS on, a random
  /// half of the batch is masked first (`DualModalMasking`) and the heads reconstruct the masked
  /// words and pixels; BSC's maps and T-BTD's stream maps are collected whenever those are on.
  /// With every component off this is `forward` and the extras are empty.
  ///
  /// - Parameters:
  ///   - images: normalised `[B, 3, H, W]`; tokenIDs int64 `[B, N]`; tokenMask `[B, N]`.
  public func btdnetForward(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor) throws -> (output: LAVTOutput, extras: BTDNetOutputs) {
    var extras = BTDNetOutputs()
    var (inputImages, inputIDs) = (images, tokenIDs)
    if training, dmolsHeads != nil {
      let masked = try config.btdnet.masking(images: images, ids: tokenIDs, tokenMask: tokenMask)
      extras.masking = masked
      extras.originalImages = images
      (inputImages, inputIDs) = (masked.images, masked.ids)
    }
    let output = try forward(inputImages, tokenIDs: inputIDs, tokenMask: tokenMask)
    if config.bsc { extras.correlationMaps = output.fusionMaps }
    if config.twinDecoder {
      (extras.targetMaps, extras.backgroundMaps) = try TwinStreamDecoder.streamMaps(output.decoder.sideLogits)
    }
    if let heads = dmolsHeads, extras.masking != nil {
      guard let features = output.decoder.features else {
        throw ModelConfigError.invalid("D-MOLS: the decoder gives no stride-4 features to reconstruct pixels from")
      }
      extras.wordLogits = try heads.wordHead(words: output.words, embeddings: textEncoder.embeddings.wordEmbeddings.weight)
      extras.pixelReconstruction = try heads.pixelHead(features)
    }
    return (output, extras)
  }

  /// Whether any BTDNet component is on (otherwise the model is LAVT and trains as LAVT).
  public var usesBTDNet: Bool { config.bsc || config.twinDecoder || config.dmols }

  /// The logits and BTDNet's auxiliary loss terms, each already multiplied by its weight
  /// (`config.btdnet.loss`), for a referring training task that adds them to its cross-entropy.
  /// LAVT (every component off) has no extra terms, not even the Dice term.
  /// - Parameter targets: int64 `[B, H, W]`, 1 for the referred object.
  public func btdnetTrainingOutput(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor, targets: Tensor) throws
    -> (logits: Tensor, extraTerms: [(name: String, value: Tensor)])
  {
    guard usesBTDNet else { return (try self(images, tokenIDs: tokenIDs, tokenMask: tokenMask), []) }
    let (output, extras) = try btdnetForward(images, tokenIDs: tokenIDs, tokenMask: tokenMask)
    let loss = BTDNetLoss(classWeights: config.classWeights, weights: config.btdnet.loss)
    let terms = try loss.auxiliaryTerms(logits: output.logits, outputs: extras, target: targets)
    return (output.logits, try terms.map { ($0.name, try $0.value * $0.weight) })
  }
}
