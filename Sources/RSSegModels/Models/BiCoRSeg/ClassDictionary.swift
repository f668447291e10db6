import Torch

/// The learned class embeddings (reference `ClassDictionary`; key `class_embed.weight`, [N, C],
/// trunc-normal std 0.02 at init).
final class ClassDictionary: Module {
  @ModuleInfo(key: "class_embed") var classEmbed: Embedding

  init(classes: Int, dim: Int) throws {
    _classEmbed.wrappedValue = try Embedding(classes, dim)
    super.init()
    try Init.truncNormal_(classEmbed.weight, std: 0.02)
  }

  /// The embeddings repeated over a batch: `[B, N, C]`.
  func expanded(batch: Int) throws -> Tensor {
    try classEmbed.weight.unsqueeze(0).expand([batch, -1, -1])
  }
}
