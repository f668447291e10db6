import Foundation
import RSSegModels

/// Generated referring scenes: a few coloured shapes (squares, circles, triangles in red, green,
/// blue or yellow) on a textured background, each shape with sentences that name it
/// unambiguously ("the red square", "the blue circle on the left", "the triangle"). No two shapes
/// of a scene share both colour and kind, and shapes never overlap, so every mask is the whole
/// shape. A scene depends only on (seed, index, size).
public enum SyntheticReferringScenes {
  public enum Kind: String, CaseIterable, Sendable { case square, circle, triangle }
  public enum Colour: String, CaseIterable, Sendable { case red, green, blue, yellow }

  /// One shape of a scene.
  public struct Object: Sendable {
    public var kind: Kind
    public var colour: Colour
    /// Centre and half-size in pixels.
    public var centreX: Double, centreY: Double, radius: Double
    /// Row-major `width × height` coverage of the shape.
    public var mask: [Bool]
    /// Sentences naming the object, the first one always "the <colour> <kind>".
    public var sentences: [String]

    /// The polygon (x, y, … in pixel-corner coordinates) of a square or triangle; nil for circles.
    public var polygon: [Double]? {
      let (x, y, r) = (centreX, centreY, radius)
      switch kind {
      case .square: return [x - r, y - r, x + r, y - r, x + r, y + r, x - r, y + r]
      case .triangle: return [x, y - r, x + r, y + r, x - r, y + r]
      case .circle: return nil
      }
    }
  }

  /// A rendered scene: band-planar RGB (`3 × height × width`) and its objects.
  public struct Scene: Sendable {
    public var width: Int, height: Int
    public var rgb: [UInt8]
    public var objects: [Object]
  }

  static func paint(_ colour: Colour) -> (Double, Double, Double) {
    switch colour {
    case .red: return (205, 45, 40)
    case .green: return (45, 165, 60)
    case .blue: return (45, 75, 210)
    case .yellow: return (230, 205, 50)
    }
  }

  /// Scene `index` of the stream `seed`, `size × size` pixels (at least 32), 2–4 shapes.
  public static func scene(seed: UInt64, index: Int, size: Int) -> Scene {
    var random = SeededRandom(seed: seed, 0x5343_454E_45, UInt64(index))
    let count = random.int(in: 2...4)
    var objects: [Object] = []
    var used = Set<String>()
    var attempts = 0
    while objects.count < count && attempts < 200 {
      attempts += 1
      let kind = Kind.allCases[random.int(in: 0...2)], colour = Colour.allCases[random.int(in: 0...3)]
      guard !used.contains("\(colour) \(kind)") else { continue }
      let radius = Double(size) * (0.08 + 0.07 * random.uniform())
      let x = radius + 1 + random.uniform() * (Double(size) - 2 * radius - 2)
      let y = radius + 1 + random.uniform() * (Double(size) - 2 * radius - 2)
      let apart = objects.allSatisfy { hypot($0.centreX - x, $0.centreY - y) > 1.5 * ($0.radius + radius) + 2 }
      guard apart else { continue }
      used.insert("\(colour) \(kind)")
      let object = Object(
        kind: kind, colour: colour, centreX: x, centreY: y, radius: radius, mask: coverage(kind, x, y, radius, size: size),
        sentences: [])
      objects.append(object)
    }
    for i in objects.indices { objects[i].sentences = sentences(for: i, in: objects, size: size, random: &random) }
    return Scene(width: size, height: size, rgb: render(objects, size: size, random: &random), objects: objects)
  }

  /// Pixels (centres at +0.5) inside the shape.
  static func coverage(_ kind: Kind, _ cx: Double, _ cy: Double, _ r: Double, size: Int) -> [Bool] {
    var mask = [Bool](repeating: false, count: size * size)
    for y in 0..<size {
      for x in 0..<size {
        let (px, py) = (Double(x) + 0.5, Double(y) + 0.5)
        switch kind {
        case .square: mask[y * size + x] = abs(px - cx) <= r && abs(py - cy) <= r
        case .circle: mask[y * size + x] = hypot(px - cx, py - cy) <= r
        case .triangle:
          // Apex (cx, cy − r), base from (cx − r, cy + r) to (cx + r, cy + r).
          let t = (py - (cy - r)) / (2 * r)
          mask[y * size + x] = t >= 0 && t <= 1 && abs(px - cx) <= t * r
        }
      }
    }
    return mask
  }

  /// Sentences for object `i`: its colour and kind, with where it is, and shorter forms when
  /// the colour or the kind alone is unique in the scene.
  static func sentences(for i: Int, in objects: [Object], size: Int, random: inout SeededRandom) -> [String] {
    let o = objects[i]
    let full = "the \(o.colour) \(o.kind)"
    var out = [full]
    let s = Double(size)
    let place: String? =
      o.centreX < s / 3 ? "on the left" : o.centreX > 2 * s / 3 ? "on the right"
      : o.centreY < s / 3 ? "at the top" : o.centreY > 2 * s / 3 ? "at the bottom" : nil
    if let place { out.append("\(full) \(place)") }
    if objects.filter({ $0.kind == o.kind }).count == 1 { out.append("the \(o.kind)") }
    if objects.filter({ $0.colour == o.colour }).count == 1 { out.append("the \(o.colour) one") }
    // One to three sentences per object, the full name always first.
    let keep = 1 + random.int(in: 0...min(2, out.count - 1))
    let extra = Array(out.dropFirst())
    return [full] + random.permutation(extra.count).prefix(keep - 1).map { extra[$0] }
  }

  /// A low-frequency earthy background with pixel noise, shapes painted over it with a little
  /// per-pixel jitter.
  static func render(_ objects: [Object], size: Int, random: inout SeededRandom) -> [UInt8] {
    let plane = size * size
    var rgb = [UInt8](repeating: 0, count: 3 * plane)
    let base = (95 + 40 * random.uniform(), 90 + 30 * random.uniform(), 70 + 30 * random.uniform())
    let (fx, fy, phase) = (0.05 + 0.15 * random.uniform(), 0.05 + 0.15 * random.uniform(), 6.28 * random.uniform())
    func clamp(_ v: Double) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }
    for y in 0..<size {
      for x in 0..<size {
        let wave = 18 * sin(fx * Double(x) + phase) * cos(fy * Double(y))
        let noise = 24 * (random.uniform() - 0.5)
        let p = y * size + x
        rgb[p] = clamp(base.0 + wave + noise)
        rgb[plane + p] = clamp(base.1 + wave + noise)
        rgb[2 * plane + p] = clamp(base.2 + wave * 0.6 + noise)
      }
    }
    for o in objects {
      let c = paint(o.colour)
      for p in 0..<plane where o.mask[p] {
        let jitter = 16 * (random.uniform() - 0.5)
        (rgb[p], rgb[plane + p], rgb[2 * plane + p]) = (clamp(c.0 + jitter), clamp(c.1 + jitter), clamp(c.2 + jitter))
      }
    }
    return rgb
  }
}
