import RSSegModels

/// SplitMix64: a small, fast, seedable generator. Data augmentation draws from one generator per
/// sample, seeded from (seed, epoch, index), so results never depend on thread scheduling and
/// never touch the system RNG.
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  /// A generator for one item of a stream: mixes every key into the seed.
  public init(seed: UInt64, _ keys: UInt64...) {
    var mixer = SeededRandom(seed: seed)
    var s = mixer.next()
    for k in keys {
      mixer = SeededRandom(seed: s ^ (k &* 0x9E37_79B9_7F4A_7C15))
      s = mixer.next()
    }
    state = s
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1).
  public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// Uniform integer in `range` (our own reduction, stable across Swift versions).
  public mutating func int(in range: ClosedRange<Int>) -> Int {
    let span = UInt64(range.upperBound - range.lowerBound) + 1
    return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
  }

  /// True with probability `p`.
  public mutating func chance(_ p: Double) -> Bool { p >= 1 || (p > 0 && uniform() < p) }

  /// A seeded Fisher–Yates shuffle of 0..<n.
  public mutating func permutation(_ n: Int) -> [Int] {
    var a = Array(0..<n)
    if n > 1 {
      for i in stride(from: n - 1, to: 0, by: -1) { a.swapAt(i, int(in: 0...i)) }
    }
    return a
  }
}

/// FNV-1a of a string: a stable per-name key for seeds (Swift's `hashValue` changes per run).
func stableHash(_ text: String) -> UInt64 {
  var h: UInt64 = 0xCBF2_9CE4_8422_2325
  for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
  return h
}
