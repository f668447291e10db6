import Torch

// The seam where BTDNet plugs in. Each stage of the multi-modal Swin runs its Swin blocks, then
// a `StageFusion` module (stored under the stage's `fusion.` key), then the LAVT gated residual
// `x ← x + res_gate(r)·r` on the fusion's residual r, then patch merging; r is the stage's
// output to the decoder. PWAM (LAVT) is one conformer; BSC (BTDNet) is another: it may also
// refine the words for the next stage and return a map per stage. Swapping the fusion is the
// one-line change in `MultiModalSwinLayer.makeFusion`.

/// What a stage's language fusion produces.
public struct StageFusionResult {
  /// The residual r `[B, H·W, C]`: gated into x and sent to the decoder.
  public var residual: Tensor
  /// The word features `[B, D, N]` for the next stage; nil keeps them unchanged.
  public var words: Tensor?
  /// A per-stage map (e.g. BSC's `[B, 1, H, W]` correlation logits), nil for PWAM.
  public var map: Tensor?

  public init(residual: Tensor, words: Tensor? = nil, map: Tensor? = nil) {
    self.residual = residual
    self.words = words
    self.map = map
  }
}

/// A per-stage vision–language fusion.
public protocol StageFusion: Module {
  /// - Parameters:
  ///   - x: visual tokens `[B, H·W, C]` of an `height`×`width` map.
  ///   - words: word features `[B, D, N]` (the official layout).
  ///   - tokenMask: `[B, N, 1]`, 1 for real words and 0 for padding.
  func callAsFunction(_ x: Tensor, height: Int, width: Int, words: Tensor, tokenMask: Tensor) throws -> StageFusionResult
}
