import XCTest
@testable import Torch

final class FunctionalAttentionTests: XCTestCase {
  /// softmax(q kᵀ · scale + mask) v for single matrices [L, E], [S, E], [S, Ev].
  private func manualAttention(
    q: [Float], k: [Float], v: [Float], l: Int, s: Int, e: Int, ev: Int, allowed: (Int, Int) -> Bool, scale: Float
  ) -> [Float] {
    var out = [Float](repeating: 0, count: l * ev)
    for i in 0..<l {
      var scores = (0..<s).map { j -> Float in
        guard allowed(i, j) else { return -.infinity }
        return (0..<e).map { q[i * e + $0] * k[j * e + $0] }.reduce(0, +) * scale
      }
      let m = scores.max()!
      scores = scores.map { Foundation.exp($0 - m) }
      let z = scores.reduce(0, +)
      for c in 0..<ev { out[i * ev + c] = (0..<s).map { scores[$0] / z * v[$0 * ev + c] }.reduce(0, +) }
    }
    return out
  }

  func testScaledDotProductAttention() throws {
    let (l, s, e, ev) = (2, 3, 4, 2)
    let q = testValues(l * e, seed: 1), k = testValues(s * e, seed: 2), v = testValues(s * ev, seed: 3)
    let (tq, tk, tv) = (try Tensor(q, shape: [1, l, e]), try Tensor(k, shape: [1, s, e]), try Tensor(v, shape: [1, s, ev]))
    let plain = try Functional.scaledDotProductAttention(tq, tk, tv)
    try assertClose(plain, manualAttention(q: q, k: k, v: v, l: l, s: s, e: e, ev: ev, allowed: { _, _ in true }, scale: 0.5), accuracy: 1e-5)
    let scaled = try Functional.scaledDotProductAttention(tq, tk, tv, scale: 2)
    try assertClose(scaled, manualAttention(q: q, k: k, v: v, l: l, s: s, e: e, ev: ev, allowed: { _, _ in true }, scale: 2), accuracy: 1e-5)
    // Bool mask: true takes part. Query 0 sees keys 0, 1; query 1 sees key 2.
    let allowed: [[Bool]] = [[true, true, false], [false, false, true]]
    let mask = try Tensor(allowed.flatMap { $0 }, shape: [l, s])
    let masked = try Functional.scaledDotProductAttention(tq, tk, tv, attnMask: mask)
    try assertClose(masked, manualAttention(q: q, k: k, v: v, l: l, s: s, e: e, ev: ev, allowed: { allowed[$0][$1] }, scale: 0.5), accuracy: 1e-5)
    // A float mask adds: -inf where disallowed gives the same result.
    let floatMask = try Tensor(allowed.flatMap { $0.map { $0 ? Float(0) : -Float.infinity } }, shape: [l, s])
    try assertClose(try Functional.scaledDotProductAttention(tq, tk, tv, attnMask: floatMask), try masked.scalars(), accuracy: 1e-6)
  }

  func testCausal() throws {
    let n = 3, e = 2
    let q = testValues(n * e, seed: 4), k = testValues(n * e, seed: 5), v = testValues(n * e, seed: 6)
    let y = try Functional.scaledDotProductAttention(
      try Tensor(q, shape: [1, 1, n, e]), try Tensor(k, shape: [1, 1, n, e]), try Tensor(v, shape: [1, 1, n, e]), isCausal: true)
    let expected = manualAttention(q: q, k: k, v: v, l: n, s: n, e: e, ev: e, allowed: { $1 <= $0 }, scale: 1 / Float(2).squareRoot())
    try assertClose(y, expected, accuracy: 1e-5)
  }
}
