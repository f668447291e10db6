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
      try Torch.withNoGrad { try Tensor.zeros([embeddingDim]).unsqueeze(0).copyInto(row: p, of: weight) }
    }
  }

  public func callAsFunction(_ indices: Tensor) throws -> Tensor {
    try Functional.embedding(indices, weight: weight, paddingIdx: paddingIdx)
  }
}

extension Tensor {
  /// Copies this `[1, D]` tensor into row `row` of `matrix` `[R, D]` (a strided view, no indexing op).
  fileprivate func copyInto(row: Int, of matrix: Tensor) throws {
    let d = matrix.shape[1]
    let view = try matrix.asStrided([1, d], strides: matrix.strides, storageOffset: matrix.storageOffset + row * matrix.strides[0])
    try view.copy_(self)
  }
}
