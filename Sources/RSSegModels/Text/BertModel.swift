import Torch

/// HF `BertEncoder`. Keys: `layer.<i>.*`.
public final class BertEncoder: Module {
  public let layer: [BertLayer]

  public init(_ config: BertConfig) throws {
    layer = try (0..<config.numHiddenLayers).map { _ in try BertLayer(config) }
    super.init()
  }

  public func callAsFunction(_ x: Tensor, additiveMask: Tensor?) throws -> Tensor {
    try layer.reduce(x) { h, block in try block(h, additiveMask: additiveMask) }
  }
}

/// HF `BertPooler`: tanh(dense(first token)). Key: `dense`.
public final class BertPooler: Module {
  public let dense: Linear

  public init(_ config: BertConfig) throws {
    dense = try Linear(config.hiddenSize, config.hiddenSize)
    super.init()
  }

  /// `[B, L, hidden]` → `[B, hidden]`.
  public func callAsFunction(_ hidden: Tensor) throws -> Tensor {
    try dense(hidden[.all, 0]).tanh()
  }
}

/// HF transformers' `BertModel` (Devlin et al., "BERT", arXiv 1810.04805): the text encoder of
/// LAVT and BTDNet, whose last hidden state gives the word features.
///
/// State-dict keys are HF's: `embeddings.*`, `encoder.layer.<i>.attention.self.query.weight`, …,
/// and `pooler.dense.*` when built with a pooler. `BertFolder` loads a HF model folder.
public final class BertModel: Module {
  public let config: BertConfig
  public let embeddings: BertEmbeddings
  public let encoder: BertEncoder
  public let pooler: BertPooler?

  /// Random initialisation (PyTorch layer defaults); load weights with `loadStateDict` or
  /// `BertFolder`.
  public init(_ config: BertConfig, addPoolingLayer: Bool = true) throws {
    self.config = config
    embeddings = try BertEmbeddings(config)
    encoder = try BertEncoder(config)
    pooler = addPoolingLayer ? try BertPooler(config) : nil
    super.init()
  }

  /// The last hidden state `[B, L, hidden]` (float32).
  ///
  /// - Parameters:
  ///   - inputIDs: int64 `[B, L]`, L at most `maxPositionEmbeddings`.
  ///   - tokenMask: `[B, L]`, 1 for real tokens and 0 for padding (any integer, bool or
  ///     float dtype); nil attends to every position. Padding keys get the most negative
  ///     number of the model's dtype added to their scores, as HF does, so they receive no
  ///     attention.
  ///   - tokenTypeIDs: int64 `[B, L]`, zeros when nil.
  /// - Throws: `TextError.invalidInput` for wrong shapes or dtypes; `TorchError` from libtorch
  ///   (an id outside the vocabulary, for one).
  public func callAsFunction(_ inputIDs: Tensor, tokenMask: Tensor? = nil, tokenTypeIDs: Tensor? = nil) throws -> Tensor {
    let shape = inputIDs.shape
    guard shape.count == 2, inputIDs.dtype == .int64 else {
      throw TextError.invalidInput("BertModel: input ids must be int64 [batch, length], got \(inputIDs.dtype) \(shape)")
    }
    guard shape[1] <= config.maxPositionEmbeddings else {
      throw TextError.invalidInput(
        "BertModel: \(shape[1]) tokens exceed max_position_embeddings \(config.maxPositionEmbeddings)")
    }
    for (name, tensor) in [("token mask", tokenMask), ("token type ids", tokenTypeIDs)] {
      if let tensor, tensor.shape != shape {
        throw TextError.invalidInput("BertModel: \(name) has shape \(tensor.shape), input ids \(shape)")
      }
    }
    var additiveMask: Tensor?
    if let tokenMask {
      let dtype = embeddings.wordEmbeddings.weight.dtype
      let keep = try tokenMask.to(dtype).view([shape[0], 1, 1, shape[1]])
      additiveMask = try (1 - keep) * Self.mostNegative(dtype)
    }
    return try encoder(embeddings(inputIDs, tokenTypeIDs: tokenTypeIDs), additiveMask: additiveMask)
  }

  /// `torch.finfo(dtype).min`, what HF adds to the scores of padding (finite, so a row of
  /// padding only would still give numbers).
  static func mostNegative(_ dtype: DType) -> Double {
    switch dtype {
    case .float16: return -65504
    case .bfloat16: return -3.3895313892515355e38
    case .float64: return -Double.greatestFiniteMagnitude
    default: return -Double(Float.greatestFiniteMagnitude)
    }
  }
}
