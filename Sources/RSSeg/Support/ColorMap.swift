/// Perceptually uniform colour maps for pictures of scalar values (heatmaps, probabilities).
public enum ColorMap {
  /// matplotlib's viridis (dark purple → blue → green → yellow), sampled at nine points and
  /// interpolated linearly: 256 RGB entries for values 0…255.
  public static let viridis: [(UInt8, UInt8, UInt8)] = {
    let anchors: [(Double, Double, Double)] = [
      (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141), (39, 173, 129), (92, 200, 99),
      (170, 220, 50), (253, 231, 37),
    ]
    return (0..<256).map { v in
      let t = Double(v) / 255 * Double(anchors.count - 1)
      let i = min(Int(t), anchors.count - 2), f = t - Double(i)
      let (a, b) = (anchors[i], anchors[i + 1])
      func mix(_ x: Double, _ y: Double) -> UInt8 { UInt8((x + (y - x) * f).rounded()) }
      return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
  }()
}
