import Torch

/// D-MOLS word head: vocabulary logits of the masked words from the last-stage word features,
/// with the weights tied to BERT's word embeddings (passed at call time, so the head owns only
/// its `bias` and never duplicates the embedding matrix). Training only.
public final class WordReconstructionHead: Module {
  public let bias: Tensor

  public init(vocabularySize: Int) throws {
    bias = try Tensor.zeros([vocabularySize]).requiresGrad(true)
    super.init()
  }

  /// - Parameters:
  ///   - words: `[B, D, N]`.
  ///   - embeddings: BERT's `word_embeddings.weight` `[V, D]`.
  /// - Returns: `[B, N, V]` logits.
  public func callAsFunction(words: Tensor, embeddings: Tensor) throws -> Tensor {
    guard words.rank == 3, embeddings.rank == 2, words.shape[1] == embeddings.shape[1], embeddings.shape[0] == bias.shape[0] else {
      throw TorchError.invalidArgument(
        "WordReconstructionHead: words \(words.shape) and embeddings \(embeddings.shape) do not fit a vocabulary of \(bias.shape[0])")
    }
    return try Functional.linear(words.transpose(1, 2), weight: embeddings, bias: bias)
  }
}
