/// `nn.Embedding`: rows of `weight` `[numEmbeddings, embeddingDim]` by index. Key: `weight`
/// (normal(0, 1) initially; the `paddingIdx` row zero and without gradient).
public final class Embedding: Module, UnaryLayer {
  public let weight: Tensor
  public let paddingIdx: Int?

  public init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil) throws {
    if let p = paddingIdx, !(0..<numEmbeddings).contains(p) {
      throw TorchError.invalidArgument("Embedding: padding index \(p) is outside 0..<\(numEmbeddings)")
    }
    weight = try Init.parameter([numEmbeddings, embeddingDim])
    self.paddingIdx = paddingIdx
    super.init()
    try Init.normal_(weight)
    if let p = paddingIdx {
      try Torch.withNoGrad {
        let row = try weight.asStrided([embeddingDim], strides: [weight.strides[1]], storageOffset: p * weight.strides[0])
        try Init.zeros_(row)
      }
    }
  }

  public func callAsFunction(_ indices: Tensor) throws -> Tensor {
    try Functional.embedding(indices, weight: weight, paddingIdx: paddingIdx)
  }
}
