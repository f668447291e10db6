import Torch

extension ReferringSegmenter: ReferringNetwork {
  public func logits(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor) throws -> Tensor {
    try self(images, tokenIDs: tokenIDs, attentionMask: tokenMask)
  }
}
