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
  @ModuleInfo(key: "f_query") var fQuery: Sequential
  @ModuleInfo(key: "f_value") var fValue: Sequential
  @ModuleInfo(key: "W") var outProjection: Sequential

  init(visionChannels: Int, languageChannels: Int, keyChannels: Int, valueChannels: Int, outChannels: Int, numHeads: Int) throws {
    self.keyChannels = keyChannels
    self.valueChannels = valueChannels
    self.numHeads = numHeads
    _fKey.wrappedValue = Sequential(try Conv1d(languageChannels, keyChannels, kernelSize: 1))
    _fQuery = ModuleInfo(
      wrappedValue: Sequential(try Conv1d(visionChannels, keyChannels, kernelSize: 1), try InstanceNorm1d(keyChannels)),
      key: "f_query")
    _fValue.wrappedValue = Sequential(try Conv1d(languageChannels, valueChannels, kernelSize: 1))
    _outProjection = ModuleInfo(
      wrappedValue: Sequential(try Conv1d(valueChannels, outChannels, kernelSize: 1), try InstanceNorm1d(outChannels)),
      key: "W")
    super.init()
  }

  /// x `[B, HW, C]`, words `[B, D, N]`, tokenMask `[B, N, 1]` → `[B, HW, out]`.
  func callAsFunction(_ x: Tensor, words: Tensor, tokenMask: Tensor) throws -> Tensor {
    let (b, hw) = (x.shape[0], x.shape[1])
    let mask = try tokenMask.permute([0, 2, 1])  // [B, 1, N]
    let query = try fQuery(x.permute([0, 2, 1])).permute([0, 2, 1])  // [B, HW, key]
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
    return try outProjection(out.permute([0, 2, 1])).permute([0, 2, 1])
  }
}

/// LAVT's Pixel-Word Attention Module: GELU(Conv1d(x)) ⊙ pixel–word attention, then
/// Conv1d + GELU. Keys: `vis_project.0`, `image_lang_att.*`, `project_mm.0` (the Sequentials'
/// GELU and dropout have no parameters; dropout is 0 as in the official configuration).
public final class PWAM: Module, StageFusion {
  @ModuleInfo(key: "vis_project") var visProject: Sequential
  @ModuleInfo(key: "image_lang_att") var imageLangAtt: SpatialImageLanguageAttention
  @ModuleInfo(key: "project_mm") var projectMM: Sequential

  /// - Parameters:
  ///   - dim: the stage width C (queries, keys, values and output are C wide, as in LAVT).
  ///   - languageDim: the word feature width D.
  public init(dim: Int, languageDim: Int, numHeads: Int = 1) throws {
    _visProject.wrappedValue = Sequential(try Conv1d(dim, dim, kernelSize: 1), GELU(), try Dropout(0))
    _imageLangAtt = ModuleInfo(
      wrappedValue: try SpatialImageLanguageAttention(
        visionChannels: dim, languageChannels: languageDim, keyChannels: dim, valueChannels: dim, outChannels: dim,
        numHeads: numHeads),
      key: "image_lang_att")
    _projectMM.wrappedValue = Sequential(try Conv1d(dim, dim, kernelSize: 1), GELU(), try Dropout(0))
    super.init()
  }

  public func callAsFunction(_ x: Tensor, height: Int, width: Int, words: Tensor, tokenMask: Tensor) throws -> StageFusionResult {
    let vis = try visProject(x.permute([0, 2, 1]))  // [B, C, HW]
    let lang = try imageLangAtt(x, words: words, tokenMask: tokenMask).permute([0, 2, 1])
    return StageFusionResult(residual: try projectMM(vis * lang).permute([0, 2, 1]))
  }
}
