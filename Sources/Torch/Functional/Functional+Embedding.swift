import CTorch

extension Functional {
  /// `F.one_hot`: int64 indices `[*]` → int64 `[*, numClasses]`; `numClasses` nil infers max + 1.
  public static func oneHot(_ x: Tensor, numClasses: Int? = nil) throws -> Tensor {
    try makeTensor("one_hot") { rs_one_hot($0, x.handle, Int64(numClasses ?? -1)) }
  }

  /// `F.embedding`: rows of `weight` `[num, dim]` picked by int indices `[*]` → `[*, dim]`.
  /// The row at `paddingIdx` gets no gradient.
  public static func embedding(_ indices: Tensor, weight: Tensor, paddingIdx: Int? = nil) throws -> Tensor {
    try makeTensor("embedding") { rs_embedding($0, weight.handle, indices.handle, Int64(paddingIdx ?? -1)) }
  }

  /// `F.normalize`: x / max(‖x‖_p over `dim`, eps).
  public static func normalize(_ x: Tensor, p: Double = 2, dim: Int = 1, eps: Double = 1e-12) throws -> Tensor {
    try makeTensor("normalize") { rs_normalize($0, x.handle, p, Int64(dim), eps) }
  }

  /// `F.cosine_similarity` along `dim` (broadcasting).
  public static func cosineSimilarity(_ a: Tensor, _ b: Tensor, dim: Int = 1, eps: Double = 1e-8) throws -> Tensor {
    try makeTensor("cosine_similarity") { rs_cosine_similarity($0, a.handle, b.handle, Int64(dim), eps) }
  }
}
