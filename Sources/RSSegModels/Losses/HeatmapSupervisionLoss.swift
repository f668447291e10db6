import Torch

/// Hierarchical heatmap supervision: Σ_l β_l · main(bilinear_upsample(H_l → H×W)), the heatmap
/// logits of every HBIS layer upsampled (align_corners=false) to the label size.
public struct HeatmapSupervisionLoss {
  public var main: SoftCEDiceLoss
  /// Per-layer weights β_l; layers beyond the list get 1 (the reference uses 1 everywhere).
  public var betas: [Double]

  public init(main: SoftCEDiceLoss, betas: [Double] = []) {
    self.main = main
    self.betas = betas
  }

  /// - Parameters:
  ///   - heatmaps: H_l `[B, N, h, w]` for each layer.
  ///   - target: labels `[B, H, W]`.
  public func callAsFunction(_ heatmaps: [Tensor], _ target: Tensor) throws -> Tensor {
    guard !heatmaps.isEmpty else { throw TorchError.invalidArgument("HeatmapSupervisionLoss: no heatmaps") }
    let size = Array(target.shape.suffix(2))
    var total: Tensor?
    for (l, heatmap) in heatmaps.enumerated() {
      let upsampled = try Functional.interpolate(heatmap, size: size, mode: .bilinear, alignCorners: false)
      let term = try main(upsampled, target) * (l < betas.count ? betas[l] : 1)
      total = try total.map { try $0 + term } ?? term
    }
    return total!
  }
}
