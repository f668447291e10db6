import Torch

/// What BTDNet's components add to a training-mode forward pass (empty for LAVT). The referring
/// model fills the parts of the components that are switched on; `BTDNetLoss` supervises them.
public struct BTDNetOutputs {
  /// T-BTD: t_k and g_k logits `[B, 1, h_k, w_k]`, coarse to fine (strides 16, 8, 4).
  public var targetMaps: [Tensor] = []
  public var backgroundMaps: [Tensor] = []
  /// BSC: S_i correlation logits `[B, 1, H_i, W_i]`, one per stage (strides 4 to 32).
  public var correlationMaps: [Tensor] = []
  /// D-MOLS: the masked batch, the word logits `[B, N, V]`, the reconstructed image
  /// `[B, 3, H, W]` and the unmasked normalised input `[B, 3, H, W]`.
  public var masking: DualModalMasking.Masked?
  public var wordLogits: Tensor?
  public var pixelReconstruction: Tensor?
  public var originalImages: Tensor?

  public init() {}
}
