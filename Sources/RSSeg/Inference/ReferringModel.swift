import RSSegModels
import Torch

/// Encoded sentences, batch-first: what a `ReferringModel` computes once from token ids and
/// then reuses for every window.
public struct EncodedSentences {
  /// Word features, `[T, …]` (LAVT: BERT's last hidden state as `[T, D, N]`).
  public var words: Tensor
  /// Word mask, `[T, …]` (LAVT: `[T, N, 1]`, 1 for real words).
  public var mask: Tensor

  public init(words: Tensor, mask: Tensor) {
    self.words = words
    self.mask = mask
  }

  public var count: Int { words.shape[0] }

  /// Each sentence repeated for `images` images, image-major: row i·T + t is sentence t.
  func tiled(images: Int) throws -> EncodedSentences {
    func tile(_ x: Tensor) throws -> Tensor {
      let shape = x.shape
      return try x.unsqueeze(0).expand([images] + shape).reshape([images * shape[0]] + Array(shape.dropFirst()))
    }
    return EncodedSentences(words: try tile(words), mask: try tile(mask))
  }
}

/// What a referring model gives for a batch of image–sentence pairs.
public struct ReferringPrediction {
  /// `[B, 2, H, W]` (background, target) logits at the input size.
  public var logits: Tensor
  /// Per-stage correlation logit maps `[B, 1, h_l, w_l]` (BTDNet's BSC); empty for LAVT.
  public var maps: [Tensor]

  public init(logits: Tensor, maps: [Tensor] = []) {
    self.logits = logits
    self.maps = maps
  }
}

/// A referring-segmentation network as inference runs it: sentences are encoded once, then
/// every image window is run with them.
public protocol ReferringModel: AnyObject {
  /// Window heights and widths must be multiples of this.
  var sizeMultiple: Int { get }
  /// How many per-stage maps `forward` returns (0: none).
  var mapCount: Int { get }
  /// Encodes sentences given as token ids and attention mask `[T, N]` (int64).
  func encodeText(ids: Tensor, mask: Tensor) throws -> EncodedSentences
  /// Runs normalised images `[B, 3, H, W]` paired row by row with `text` (B sentences).
  func forward(_ images: Tensor, text: EncodedSentences) throws -> ReferringPrediction
}
