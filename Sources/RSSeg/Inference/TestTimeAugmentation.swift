import Torch

/// Test-time augmentation: the mean of the logits over flipped/rotated copies of the input,
/// each mapped back to the input's orientation. Square inputs keep every copy's size; `d4` on
/// non-square inputs needs a model that accepts the transposed size.
public enum TestTimeAugmentation: String, Sendable, CaseIterable {
  /// The input alone.
  case none
  /// The input and its left–right mirror.
  case lr
  /// The eight symmetries of the square (four rotations, each also mirrored).
  case d4

  /// The mean of `forward` over the augmented copies of `x` `[B, C, H, W]`.
  public func apply(_ x: Tensor, _ forward: (Tensor) throws -> Tensor) throws -> Tensor {
    switch self {
    case .none:
      return try forward(x)
    case .lr:
      return try (forward(x) + forward(x.flip([3])).flip([3])) / 2
    case .d4:
      var sum: Tensor? = nil
      for mirror in [false, true] {
        let base = mirror ? try x.flip([3]) : x
        for k in 0..<4 {
          var y = try forward(k == 0 ? base : base.rot90(k, dims: (2, 3)))
          if k != 0 { y = try y.rot90(-k, dims: (2, 3)) }
          if mirror { y = try y.flip([3]) }
          sum = try sum.map { try $0 + y } ?? y
        }
      }
      return try sum! / 8
    }
  }
}
