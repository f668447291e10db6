import Torch

/// LAVT's pixel–word attention (`SpatialImageLanguageAttention`): queries
/// InstanceNorm(Conv1d(x)) over pixels, keys and values Conv1d(words) zeroed at padding words,
/// scaled dot product (scale key_channels^−½, over all heads as in the official code), padding
/// words −1e4, softmax over words, output Conv1d + InstanceNorm.
/// Keys: `f_key.0`, `f_query.0`, `f_value.0`, `W.0` (the InstanceNorms have no parameters).
final class SpatialImageLanguageAttention: Module {
  let keyChannels: Int
  let valueChannels: Int
  let numHeads: Int
  @ModuleInfo(key: "f_key") var fKey: Sequential
  @ModuleInfo(key: "f_query") var fQuery: TokenConv
  @ModuleInfo(key: "f_value") var fValue: Sequential
  @ModuleInfo(key: "W") var outProjection: TokenConv

  init(visionChannels: Int, languageChannels: Int, keyChannels: Int, valueChannels: Int, outChannels: Int, numHeads: Int) throws {
    self.keyChannels = keyChannels
    self.valueChannels = valueChannels
    self.numHeads = numHeads
    _fKey.wrappedValue = Sequential(try Conv1d(languageChannels, keyChannels, kernelSize: 1))
    _fQuery = ModuleInfo(wrappedValue: try TokenConv(visionChannels, keyChannels, then: .instanceNorm), key: "f_query")
    _fValue.wrappedValue = Sequential(try Conv1d(languageChannels, valueChannels, kernelSize: 1))
    _outProjection = ModuleInfo(wrappedValue: try TokenConv(valueChannels, outChannels, then: .instanceNorm), key: "W")
    super.init()
  }

  /// x `[B, HW, C]`, words `[B, D, N]`, tokenMask `[B, N, 1]` → `[B, HW, out]`.
  func callAsFunction(_ x: Tensor, words: Tensor, tokenMask: Tensor) throws -> Tensor {
    let (b, hw) = (x.shape[0], x.shape[1])
    let mask = try tokenMask.permute([0, 2, 1])  // [B, 1, N]
    let query = try fQuery(x)  // [B, HW, key]
    let key = try fKey(words) * mask  // [B, key, N]
    let value = try fValue(words) * mask  // [B, value, N]
    let n = value.shape[2]
    let heads = numHeads
    let q = try query.reshape([b, hw, heads, keyChannels / heads]).permute([0, 2, 1, 3])
    let k = try key.reshape([b, heads, keyChannels / heads, n])
    let v = try value.reshape([b, heads, valueChannels / heads, n])
    var similarity = try q.matmul(k) * (1 / Double(keyChannels).squareRoot())
    similarity = try similarity + (mask.unsqueeze(1) * 1e4 - 1e4)
    let out = try similarity.softmax(dim: -1).matmul(v.permute([0, 1, 3, 2]))  // [B, heads, HW, value/heads]
      .permute([0, 2, 1, 3]).contiguous().reshape([b, hw, valueChannels])
    return try outProjection(out)
  }
}

/// LAVT's Pixel-Word Attention Module: GELU(Conv1d(x)) ⊙ pixel–word attention, then
/// Conv1d + GELU. Keys: `vis_project.0`, `image_lang_att.*`, `project_mm.0` (`TokenConv`s: their
/// GELU and the official dropout, which is 0, have no parameters).
public final class PWAM: Module, StageFusion {
  @ModuleInfo(key: "vis_project") var visProject: TokenConv
  @ModuleInfo(key: "image_lang_att") var imageLangAtt: SpatialImageLanguageAttention
  @ModuleInfo(key: "project_mm") var projectMM: TokenConv

  /// - Parameters:
  ///   - dim: the stage width C (queries, keys, values and output are C wide, as in LAVT).
  ///   - languageDim: the word feature width D.
  public init(dim: Int, languageDim: Int, numHeads: Int = 1) throws {
    _visProject.wrappedValue = try TokenConv(dim, dim, then: .gelu)
    _imageLangAtt = ModuleInfo(
      wrappedValue: try SpatialImageLanguageAttention(
        visionChannels: dim, languageChannels: languageDim, keyChannels: dim, valueChannels: dim, outChannels: dim,
        numHeads: numHeads),
      key: "image_lang_att")
    _projectMM.wrappedValue = try TokenConv(dim, dim, then: .gelu)
    super.init()
  }

  public func callAsFunction(_ x: Tensor, height: Int, width: Int, words: Tensor, tokenMask: Tensor) throws -> StageFusionResult {
    let vis = try visProject(x)
    let lang = try imageLangAtt(x, words: words, tokenMask: tokenMask)
    return StageFusionResult(residual: try projectMM(vis * lang))
  }
}

/// LAVT's `Sequential(Conv1d(kernel 1), InstanceNorm1d or GELU)` on tokens `[B, L, C]`: the
/// 1×1 convolution of `[B, C, L]` is a linear layer on each token, so it runs as one without the
/// transposes there and back (libtorch's 1×1 convolutions reached about half the matrix-product
/// rate of the linear layers at LAVT's shapes). Keys: `0.weight` `[out, in, 1]`, `0.bias` (the
/// norm and GELU have no parameters; the official dropout after GELU is 0).
final class TokenConv: Module {
  enum Then { case instanceNorm, gelu }
  @ModuleInfo(key: "0") var conv: Conv1d
  let then: Then

  init(_ inChannels: Int, _ outChannels: Int, then: Then) throws {
    _conv = ModuleInfo(wrappedValue: try Conv1d(inChannels, outChannels, kernelSize: 1), key: "0")
    self.then = then
    super.init()
  }

  func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try Functional.linear(x, weight: conv.weight.squeeze(-1), bias: conv.bias)
    switch then {
    case .gelu: return try y.gelu()
    case .instanceNorm:
      // InstanceNorm1d (no affine, eps 1e-5): each image's channels over its tokens.
      let centered = try y - y.mean(dim: 1, keepDim: true)
      return try centered * (centered.square().mean(dim: 1, keepDim: true) + 1e-5).rsqrt()
    }
  }
}
