import Torch

/// The official `Mlp` of a Swin block: `fc1` → GELU → `fc2` (dropout 0).
final class SwinMLP: Module {
  let fc1: Linear
  let fc2: Linear

  init(dim: Int, hidden: Int) throws {
    fc1 = try Linear(dim, hidden)
    fc2 = try Linear(hidden, dim)
    super.init()
  }

  /// - Parameter backwardOnly: fc2 gives its graph but not its values (`Linear.backwardOnly`).
  func callAsFunction(_ x: Tensor, backwardOnly: Bool = false) throws -> Tensor {
    let hidden = try fc1(x).gelu()
    return try backwardOnly ? fc2.backwardOnly(hidden) : fc2(hidden)
  }
}

/// The official `SwinTransformerBlock` (segmentation variant): LayerNorm → (shifted) window
/// attention on the map padded at bottom/right to window multiples → crop → residual; then
/// LayerNorm → MLP → residual. The pad, roll, window partition and their reverse are one row
/// gather each way (`SwinWindowing`). Stochastic depth on both branches in training only.
/// Keys: `norm1`, `attn.*`, `norm2`, `mlp.fc1`, `mlp.fc2`.
public final class SwinBlock: Module {
  public let windowSize: Int
  /// 0 for regular windows, `windowSize / 2` for shifted ones (odd blocks).
  public let shiftSize: Int
  let norm1: LayerNorm
  let attn: WindowAttention
  @ModuleInfo(key: "drop_path") var dropPath: DropPath
  let norm2: LayerNorm
  let mlp: SwinMLP

  public init(dim: Int, numHeads: Int, windowSize: Int, shiftSize: Int, mlpRatio: Double, qkvBias: Bool, dropPath: Double) throws {
    guard (0..<windowSize).contains(shiftSize) else {
      throw ModelConfigError.invalid("Swin block: shift \(shiftSize) must be in [0, window \(windowSize))")
    }
    self.windowSize = windowSize
    self.shiftSize = shiftSize
    norm1 = try LayerNorm(dim)
    attn = try WindowAttention(dim: dim, windowSize: windowSize, numHeads: numHeads, qkvBias: qkvBias)
    norm2 = try LayerNorm(dim)
    mlp = try SwinMLP(dim: dim, hidden: Int(Double(dim) * mlpRatio))
    super.init()
    self.dropPath = try DropPath(dropPath)
  }

  /// - Parameters:
  ///   - x: tokens `[B, H·W, C]` of `windows`' maps.
  ///   - windows: the stage's windows for this input size (its shifted-window mask serves only
  ///     shifted blocks).
  ///   - backwardOnly: the result only carries gradients back (a checkpoint's recomputation):
  ///     its values are undefined, as the MLP's last product (a third of the block's linear
  ///     work) is not computed.
  public func callAsFunction(_ x: Tensor, windows: SwinWindowing, backwardOnly: Bool = false) throws -> Tensor {
    let (b, l, c) = (x.shape[0], x.shape[1], x.shape[2])
    guard b == windows.batch, l == windows.height * windows.width else {
      throw ModelConfigError.invalid(
        "Swin block: tokens \(x.shape) for \(windows.batch) maps of \(windows.height)×\(windows.width)")
    }
    guard windows.windowSize == windowSize, shiftSize == 0 || shiftSize == windows.shift else {
      throw ModelConfigError.invalid(
        "Swin block: window \(windowSize) shifted by \(shiftSize), given windows of \(windows.windowSize) shifted by \(windows.shift)")
    }
    let map = shiftSize > 0 ? windows.shifted : windows.regular
    // qkv and proj act on each token alone, so they run on the map's tokens and not on the padding
    // of the windows as the official code's do (LAVT's stage 3 at 480² pads 30² to 36²): the
    // padding's q, k and v are qkv's bias there and here.
    let qkv = try attn.windowedQKV(norm1(x).view([b * l, c]), map)
    let attended = try attn.attend(qkv.view([-1, windowSize * windowSize, 3 * c]), mask: shiftSize > 0 ? windows.mask : nil)
    let branch = try attn.proj(attended.view([-1, c]).gatherRows(map.inverted)).view([b, l, c])
    let y = try x + dropPath(branch)
    return try y + dropPath(mlp(norm2(y), backwardOnly: backwardOnly))
  }
}
