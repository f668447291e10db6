import Torch

/// HF `BertSelfAttention`: multi-head scaled dot-product attention over the sentence.
/// Keys: `query`, `key`, `value` (Linear hidden → hidden).
public final class BertSelfAttention: Module {
  public let query: Linear
  public let key: Linear
  public let value: Linear
  public let heads: Int
  public let dropoutP: Double

  public init(_ config: BertConfig) throws {
    query = try Linear(config.hiddenSize, config.hiddenSize)
    key = try Linear(config.hiddenSize, config.hiddenSize)
    value = try Linear(config.hiddenSize, config.hiddenSize)
    heads = config.numAttentionHeads
    dropoutP = config.attentionProbsDropoutProb
    super.init()
  }

  /// `[B, L, hidden]` → `[B, L, hidden]`; `additiveMask` `[B, 1, 1, L]` is added to the scores.
  public func callAsFunction(_ x: Tensor, additiveMask: Tensor?) throws -> Tensor {
    let (b, l, h) = (x.shape[0], x.shape[1], x.shape[2])
    func split(_ t: Tensor) throws -> Tensor { try t.view([b, l, heads, h / heads]).transpose(1, 2) }
    let context = try Functional.scaledDotProductAttention(
      split(query(x)), split(key(x)), split(value(x)), attnMask: additiveMask, dropoutP: training ? dropoutP : 0)
    return try context.transpose(1, 2).reshape([b, l, h])
  }
}

/// HF `BertSelfOutput` / `BertOutput`: dense, dropout, then LayerNorm of the residual sum.
/// Keys: `dense`, `LayerNorm`.
public final class BertResidualOutput: Module {
  public let dense: Linear
  @ModuleInfo(key: "LayerNorm") public var layerNorm: LayerNorm
  public let dropout: Dropout

  public init(_ inFeatures: Int, _ config: BertConfig) throws {
    dense = try Linear(inFeatures, config.hiddenSize)
    dropout = try Dropout(config.hiddenDropoutProb)
    super.init()
    layerNorm = try LayerNorm(config.hiddenSize, eps: config.layerNormEps)
  }

  public func callAsFunction(_ x: Tensor, residual: Tensor) throws -> Tensor {
    try layerNorm(dropout(dense(x)) + residual)
  }
}

/// HF `BertAttention`. Keys: `self.{query,key,value}`, `output.{dense,LayerNorm}`.
public final class BertAttention: Module {
  @ModuleInfo(key: "self") public var selfAttention: BertSelfAttention
  public let output: BertResidualOutput

  public init(_ config: BertConfig) throws {
    output = try BertResidualOutput(config.hiddenSize, config)
    super.init()
    selfAttention = try BertSelfAttention(config)
  }

  public func callAsFunction(_ x: Tensor, additiveMask: Tensor?) throws -> Tensor {
    try output(selfAttention(x, additiveMask: additiveMask), residual: x)
  }
}

/// HF `BertIntermediate`: dense hidden → intermediate, then the activation. Key: `dense`.
public final class BertIntermediate: Module {
  public let dense: Linear
  public let activation: BertConfig.Activation

  public init(_ config: BertConfig) throws {
    dense = try Linear(config.hiddenSize, config.intermediateSize)
    activation = config.hiddenAct
    super.init()
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try dense(x)
    switch activation {
    case .gelu: return try y.gelu()
    case .geluTanh: return try y.gelu(approximate: true)
    case .relu: return try y.relu()
    }
  }
}

/// HF `BertLayer`: attention, then the feed-forward block, each with a residual LayerNorm.
/// Keys: `attention.*`, `intermediate.dense`, `output.{dense,LayerNorm}`.
public final class BertLayer: Module {
  public let attention: BertAttention
  public let intermediate: BertIntermediate
  public let output: BertResidualOutput

  public init(_ config: BertConfig) throws {
    attention = try BertAttention(config)
    intermediate = try BertIntermediate(config)
    output = try BertResidualOutput(config.intermediateSize, config)
    super.init()
  }

  public func callAsFunction(_ x: Tensor, additiveMask: Tensor?) throws -> Tensor {
    let attended = try attention(x, additiveMask: additiveMask)
    return try output(intermediate(attended), residual: attended)
  }
}
