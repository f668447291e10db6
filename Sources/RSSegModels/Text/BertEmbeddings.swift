import Torch

/// HF `BertEmbeddings`: word + absolute position + token type embeddings, LayerNorm, dropout.
/// Keys: `word_embeddings.weight`, `position_embeddings.weight`, `token_type_embeddings.weight`,
/// `LayerNorm.{weight,bias}`.
public final class BertEmbeddings: Module {
  @ModuleInfo(key: "word_embeddings") public var wordEmbeddings: Embedding
  @ModuleInfo(key: "position_embeddings") public var positionEmbeddings: Embedding
  @ModuleInfo(key: "token_type_embeddings") public var tokenTypeEmbeddings: Embedding
  @ModuleInfo(key: "LayerNorm") public var layerNorm: LayerNorm
  public let dropout: Dropout

  public init(_ config: BertConfig) throws {
    dropout = try Dropout(config.hiddenDropoutProb)
    super.init()
    let padding = config.padTokenID < config.vocabSize ? config.padTokenID : nil
    wordEmbeddings = try Embedding(config.vocabSize, config.hiddenSize, paddingIdx: padding)
    positionEmbeddings = try Embedding(config.maxPositionEmbeddings, config.hiddenSize)
    tokenTypeEmbeddings = try Embedding(config.typeVocabSize, config.hiddenSize)
    layerNorm = try LayerNorm(config.hiddenSize, eps: config.layerNormEps)
  }

  /// int64 ids `[B, L]` (token types default to 0) → `[B, L, hidden]`; positions are 0..<L.
  public func callAsFunction(_ inputIDs: Tensor, tokenTypeIDs: Tensor? = nil) throws -> Tensor {
    let length = inputIDs.shape[1]
    let positions = try Tensor.arange(0, .int(Int64(length)), dtype: .int64, device: inputIDs.device)
    let types = try tokenTypeIDs ?? Tensor.zeros(inputIDs.shape, dtype: .int64, device: inputIDs.device)
    let sum = try wordEmbeddings(inputIDs) + positionEmbeddings(positions) + tokenTypeEmbeddings(types)
    return try dropout(layerNorm(sum))
  }
}
