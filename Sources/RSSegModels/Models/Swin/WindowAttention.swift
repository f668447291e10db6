import Torch

/// The official `WindowAttention`: multi-head self-attention inside each window with a learned
/// relative position bias. `SwinBlock` applies `qkv` and `proj` to the map's tokens and
/// `attend(_:mask:)` to the windows between them. Keys: `qkv`, `proj`, `relative_position_bias_table`
/// `[(2ws−1)², heads]` and the persistent buffer `relative_position_index` `[ws², ws²]` (it is in
/// the official checkpoints, so it is part of the state dict here too).
public final class WindowAttention: Module {
  public let dim: Int
  public let windowSize: Int
  public let numHeads: Int
  let scale: Double
  @ParameterInfo(key: "relative_position_bias_table") var relativePositionBiasTable: Tensor
  @BufferInfo(key: "relative_position_index") var relativePositionIndex: Tensor
  let qkv: Linear
  let proj: Linear

  public init(dim: Int, windowSize: Int, numHeads: Int, qkvBias: Bool = true) throws {
    self.dim = dim
    self.windowSize = windowSize
    self.numHeads = numHeads
    scale = 1 / Double(dim / numHeads).squareRoot()
    let table = try Tensor.zeros([(2 * windowSize - 1) * (2 * windowSize - 1), numHeads])
    try Init.truncNormal_(table, std: 0.02)
    _relativePositionBiasTable.wrappedValue = try table.requiresGrad(true)
    _relativePositionIndex = BufferInfo(
      wrappedValue: try SwinWindows.relativePositionIndex(windowSize: windowSize), key: "relative_position_index")
    qkv = try Linear(dim, 3 * dim, bias: qkvBias)
    proj = try Linear(dim, dim)
    super.init()
  }

  /// The bias `[heads, ws², ws²]` gathered from the table, heads first: the gather's backward is
  /// then an index_add into the transposed table (LAVT stage 1: 0.4 ms, against 3–8 ms for
  /// indexing rows and permuting, whose backward is index_put with accumulation).
  func relativePositionBias() throws -> Tensor {
    let n = windowSize * windowSize
    return try relativePositionBiasTable.transpose(0, 1).indexSelect(dim: 1, index: relativePositionIndex.view([-1])).view([numHeads, n, n])
  }

  /// q, k and v of windows: `qkv` of `tokens` `[rows, C]`, gathered into the windows of `map`
  /// (`[B·nW·ws², 3C]`); positions of the padding get qkv's bias, as qkv of the official zero
  /// padding does.
  func windowedQKV(_ tokens: Tensor, _ map: RowMap) throws -> Tensor {
    guard map.hasHoles, let bias = qkv.bias else { return try qkv(tokens).gatherRows(map) }
    let windows = try Functional.linear(tokens, weight: qkv.weight).gatherRows(map)
    return try windows + bias.to(windows.dtype)
  }

  /// Attention inside windows, before `proj`: `qkv` `[B·nW, ws², 3C]` → `[B·nW, ws², C]`.
  /// - Parameter mask: `[nW, ws², ws²]` added to the scores of every image's windows, or nil.
  func attend(_ qkv: Tensor, mask: Tensor?) throws -> Tensor {
    // The official code scales q; scaling the scores instead is the same up to rounding, and
    // costs nothing in the pass that adds the bias and mask and takes the softmax.
    try Functional.windowAttention(qkv, heads: numHeads, bias: relativePositionBias(), mask: mask, scale: scale)
  }
}
