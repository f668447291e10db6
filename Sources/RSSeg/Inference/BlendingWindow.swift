import Foundation
import RSSegModels
import Torch

/// Weights for blending overlapping window predictions: a separable raised cosine (Hann)
/// falling towards the window edges, never below `floor`, so that every pixel keeps some
/// weight even where only one window covers it (image borders).
public enum BlendingWindow {
  /// The 1-D profile over `size` pixels: max(floor, sin²(π (i + ½) / size)).
  public static func profile(size: Int, floor: Float) -> [Float] {
    (0..<size).map { i in
      let s = sin(Double.pi * (Double(i) + 0.5) / Double(size))
      return max(floor, Float(s * s))
    }
  }

  /// The 2-D weights `[height, width]`, the outer product of the two profiles.
  public static func weights(height: Int, width: Int, floor: Float) throws -> Tensor {
    let rows = try Tensor(profile(size: height, floor: floor), shape: [height, 1])
    let cols = try Tensor(profile(size: width, floor: floor), shape: [1, width])
    return try rows * cols
  }
}
