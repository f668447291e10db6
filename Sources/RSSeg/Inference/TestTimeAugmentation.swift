import RSSegModels
import Torch

/// Test-time augmentation as the reference runs it (ttach, spec §5): every combination of the
/// chosen flips, quarter turns and scales is applied to the batch, each pass's logits are mapped
/// back to the input geometry, and the logits are averaged before any argmax.
public struct TestTimeAugmentation: Sendable, Equatable {
  public var horizontalFlip: Bool
  public var verticalFlip: Bool
  /// Quarter turns tried (0 = none, 1 = 90°).
  public var rotations: [Int]
  public var scales: [Double]

  public init(horizontalFlip: Bool = false, verticalFlip: Bool = false, rotations: [Int] = [0], scales: [Double] = [1]) {
    self.horizontalFlip = horizontalFlip
    self.verticalFlip = verticalFlip
    self.rotations = rotations
    self.scales = scales
  }

  /// One pass: the identity.
  public static let none = TestTimeAugmentation()
  /// `lr`: identity, h-flip, v-flip, h+v flip.
  public static let flips = TestTimeAugmentation(horizontalFlip: true, verticalFlip: true)

  /// The eight symmetries of the square (four quarter turns, each also mirrored), no scaling:
  /// `rsseg predict --tta d4` on square windows of a scene.
  public static let dihedral = TestTimeAugmentation(horizontalFlip: true, rotations: [0, 1, 2, 3])

  /// The augmentation modes the commands offer.
  public enum Mode: String, CaseIterable, Sendable {
    /// One pass.
    case none
    /// Flips.
    case lr
    /// The eight symmetries of the square on scenes; a dataset's reference set in evaluation
    /// (`SegmentationBenchmark.augmentation`).
    case d4
  }

  /// The set `rsseg predict` uses for `mode`: geometric only, because a scene has no dataset
  /// protocol to follow.
  public static func forScenes(_ mode: Mode) -> TestTimeAugmentation {
    switch mode {
    case .none: return .none
    case .lr: return .flips
    case .d4: return .dihedral
    }
  }

  /// Number of forward passes per batch.
  public var passes: Int { (horizontalFlip ? 2 : 1) * (verticalFlip ? 2 : 1) * rotations.count * scales.count }

  /// Averaged logits `[B, N, H, W]` of `model` over every augmentation of `images` `[B, C, H, W]`.
  /// Scaled inputs are resized (bilinear) to multiples of 32 and their logits resized back.
  public func logits(_ images: Tensor, _ model: (Tensor) throws -> Tensor) throws -> Tensor {
    let size = Array(images.shape[2...])
    var sum: Tensor?
    for scale in scales {
      let scaled: Tensor
      if scale == 1 {
        scaled = images
      } else {
        let target = size.map { Swift.max(32, Int((Double($0) * scale / 32).rounded()) * 32) }
        scaled = try Functional.interpolate(images, size: target, mode: .bilinear, alignCorners: false)
      }
      for turns in rotations {
        for h in horizontalFlip ? [false, true] : [false] {
          for v in verticalFlip ? [false, true] : [false] {
            var x = scaled
            if h { x = try x.flip([3]) }
            if v { x = try x.flip([2]) }
            if turns != 0 { x = try x.rot90(turns, dims: (2, 3)) }
            var y = try model(x).to(.float32)
            if turns != 0 { y = try y.rot90(-turns, dims: (2, 3)) }
            if v { y = try y.flip([2]) }
            if h { y = try y.flip([3]) }
            if Array(y.shape[2...]) != size { y = try Functional.interpolate(y, size: size, mode: .bilinear, alignCorners: false) }
            sum = try sum.map { try $0 + y } ?? y
          }
        }
      }
    }
    return try sum! / Double(passes)
  }
}
