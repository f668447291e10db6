import Torch

/// The full referring segmentation model of LAVT's `lavt_one` variant
/// (`_LAVTOneSimpleDecode`): BERT (`text_encoder.*`, no pooler) gives the word features, the
/// LAVT network (`backbone.*`, `classifier.*`) the mask. BERT's width is the language width.
public final class ReferringSegmenter: LAVT {
  @ModuleInfo(key: "text_encoder") public var textEncoder: BertModel
  /// BTDNet's D-MOLS reconstruction heads (`config.dmols`; training only).
  @ModuleInfo(key: "dmols") public var dmolsHeads: DMOLSHeads?

  /// - Throws: `ModelConfigError` when `config.langDim` is not BERT's hidden size.
  public init(_ config: LAVTConfig, bert: BertConfig) throws {
    guard config.langDim == bert.hiddenSize else {
      throw ModelConfigError.invalid("LAVT lang_dim \(config.langDim) must equal BERT's hidden_size \(bert.hiddenSize)")
    }
    _textEncoder.wrappedValue = try BertModel(bert, addPoolingLayer: false)
    _dmolsHeads.wrappedValue = nil
    try super.init(config)
    if config.dmols {
      let channels = config.twinDecoder ? config.swin.dims[3] : config.swin.dims[3] / 2
      dmolsHeads = try DMOLSHeads(vocabularySize: bert.vocabSize, decoderChannels: channels)
    }
  }

  /// Every output for images `[B, 3, H, W]` (normalised), token ids int64 `[B, N]` and their
  /// token mask `[B, N]` (1 for real tokens).
  public func forward(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor) throws -> LAVTOutput {
    guard images.rank == 4, tokenIDs.rank == 2, images.shape[0] == tokenIDs.shape[0] else {
      throw ModelConfigError.invalid(
        "referring model: expected images [B, 3, H, W] and token ids [B, N], got \(images.shape) and \(tokenIDs.shape)")
    }
    let hidden = try textEncoder(tokenIDs, tokenMask: tokenMask)  // [B, N, D]
    let words = try hidden.permute([0, 2, 1])  // [B, D, N]
    return try forward(images, words: words, tokenMask: tokenMask.to(hidden.dtype).unsqueeze(-1))
  }

  /// 2-class logits `[B, 2, H, W]` (background, target) at the input size.
  public func callAsFunction(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor) throws -> Tensor {
    try forward(images, tokenIDs: tokenIDs, tokenMask: tokenMask).logits
  }
}
