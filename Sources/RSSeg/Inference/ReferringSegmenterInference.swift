import RSSegModels
import Torch

/// The LAVT referring model (BERT + multi-modal Swin + decoder) as scene inference runs it:
/// BERT encodes the sentences once; every window is run with the word features.
extension ReferringSegmenter: ReferringModel {
  /// The patch embedding (4) and three patch mergings (2 each) keep stages aligned at 32.
  public var sizeMultiple: Int { 32 }

  /// One correlation map per stage with BTDNet's BSC fusion; none for LAVT's PWAM.
  public var mapCount: Int { config.bsc ? config.swin.depths.count : 0 }

  public func encodeText(ids: Tensor, mask: Tensor) throws -> EncodedSentences {
    let hidden = try textEncoder(ids, tokenMask: mask)  // [T, N, D]
    return EncodedSentences(words: try hidden.permute([0, 2, 1]), mask: try mask.to(hidden.dtype).unsqueeze(-1))
  }

  public func forward(_ images: Tensor, text: EncodedSentences) throws -> ReferringPrediction {
    let output = try forward(images, words: text.words, tokenMask: text.mask)
    return ReferringPrediction(logits: output.logits, maps: output.fusionMaps)
  }
}
