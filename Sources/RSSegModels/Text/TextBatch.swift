import Torch

/// A batch of encoded sentences as tensors, the input of `BertModel`.
public struct TextBatch {
  /// int64 `[B, maxLength]`: `[CLS] … [SEP]` ids cut to the length, padded with 0.
  public let ids: Tensor
  /// int64 `[B, maxLength]`: 1 for real tokens, 0 for padding.
  public let mask: Tensor
}

extension WordPieceTokenizer {
  /// Encodes every text to `maxLength` ids (`encode(_:maxLength:)`) and stacks them.
  public func batch(_ texts: [String], maxLength: Int) throws -> TextBatch {
    let encodings = texts.map { encode($0, maxLength: maxLength) }
    let shape = [texts.count, maxLength]
    return TextBatch(ids: try Tensor(encodings.flatMap(\.ids).map(Int64.init), shape: shape),
                     mask: try Tensor(encodings.flatMap(\.mask).map(Int64.init), shape: shape))
  }
}
