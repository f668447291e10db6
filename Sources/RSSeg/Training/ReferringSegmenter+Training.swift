import RSSegModels
import Torch

extension ReferringSegmenter: ReferringNetwork {
  public func logits(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor) throws -> Tensor {
    try self(images, tokenIDs: tokenIDs, tokenMask: tokenMask)
  }

  /// BTDNet's weighted auxiliary terms when its components are on; none for LAVT.
  public func trainingOutput(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor, targets: Tensor) throws
    -> (logits: Tensor, extraTerms: [(name: String, value: Tensor)])
  {
    try btdnetTrainingOutput(images, tokenIDs: tokenIDs, tokenMask: tokenMask, targets: targets)
  }
}
