import Torch

/// The official `Mlp` of a Swin block: `fc1` → GELU → `fc2` (dropout 0).
final class SwinMLP: Module, UnaryLayer {
  let fc1: Linear
  let fc2: Linear

  init(dim: Int, hidden: Int) throws {
    fc1 = try Linear(dim, hidden)
    fc2 = try Linear(hidden, dim)
    super.init()
  }

  func callAsFunction(_ x: Tensor) throws -> Tensor { try fc2(fc1(x).gelu()) }
}

/// The official `SwinTransformerBlock` (segmentation variant): LayerNorm → (shifted) window
/// attention on the map padded at bottom/right to window multiples → crop → residual; then
/// LayerNorm → MLP → residual. Stochastic depth on both branches in training only.
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
  ///   - x: tokens `[B, H·W, C]` of an `height`×`width` map.
  ///   - mask: the shifted-window mask of the padded map (`SwinWindows.shiftMask`); used only
  ///     by shifted blocks.
  public func callAsFunction(_ x: Tensor, height h: Int, width w: Int, mask: Tensor?) throws -> Tensor {
    let (b, l, c) = (x.shape[0], x.shape[1], x.shape[2])
    guard l == h * w else { throw ModelConfigError.invalid("Swin block: \(l) tokens for a \(h)×\(w) map") }
    let ws = windowSize
    let padRight = (ws - w % ws) % ws
    let padBottom = (ws - h % ws) % ws
    var map = try Functional.pad(norm1(x).view([b, h, w, c]), [0, 0, 0, padRight, 0, padBottom])
    let (hp, wp) = (h + padBottom, w + padRight)
    if shiftSize > 0 { map = try map.roll(shifts: [-shiftSize, -shiftSize], dims: [1, 2]) }
    let windows = try SwinWindows.partition(map, windowSize: ws).view([-1, ws * ws, c])
    let attended = try attn(windows, mask: shiftSize > 0 ? mask : nil).view([-1, ws, ws, c])
    map = try SwinWindows.reverse(attended, windowSize: ws, height: hp, width: wp)
    if shiftSize > 0 { map = try map.roll(shifts: [shiftSize, shiftSize], dims: [1, 2]) }
    if padRight > 0 || padBottom > 0 { map = try map[.all, ..<h, ..<w, .all].contiguous() }
    let y = try x + dropPath(map.view([b, h * w, c]))
    return try y + dropPath(mlp(norm2(y)))
  }
}
