import Torch

/// D-MOLS's reconstruction heads (training only; left out of inference model files). Keys:
/// `word_head.bias` (its weights are BERT's word embeddings), `pixel_head.proj.*`.
public final class DMOLSHeads: Module {
  @ModuleInfo(key: "word_head") public var wordHead: WordReconstructionHead
  @ModuleInfo(key: "pixel_head") public var pixelHead: PixelReconstructionHead

  /// - Parameters:
  ///   - vocabularySize: BERT's vocabulary size.
  ///   - decoderChannels: the width of the decoder's stride-4 features.
  public init(vocabularySize: Int, decoderChannels: Int) throws {
    super.init()
    wordHead = try WordReconstructionHead(vocabularySize: vocabularySize)
    pixelHead = try PixelReconstructionHead(inChannels: decoderChannels)
  }
}

/// A network whose parameters under some key prefixes serve training only: model files for
/// inference leave them out (`ModelFile.write`).
public protocol TrainingOnlyParameters: Module {
  var trainingOnlyPrefixes: [String] { get }
}
