import XCTest
@testable import Torch

/// Deterministic pseudo-random floats in [-1, 1) (independent of libtorch's generator).
func testValues(_ n: Int, seed: UInt64 = 1) -> [Float] {
  var state = seed &* 6364136223846793005 &+ 1442695040888963407
  return (0..<n).map { _ in
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Float(Double(state >> 11) / Double(1 << 53) * 2 - 1)
  }
}

func assertClose(
  _ tensor: Tensor, _ expected: [Float], accuracy: Float = 1e-5, _ message: String = "",
  file: StaticString = #filePath, line: UInt = #line
) throws {
  let got = try tensor.scalars(as: Float.self)
  XCTAssertEqual(got.count, expected.count, "element count \(message)", file: file, line: line)
  for (i, (g, e)) in zip(got, expected).enumerated() where !(abs(g - e) <= accuracy * max(1, abs(e))) {
    XCTFail("element \(i): got \(g), expected \(e) \(message)", file: file, line: line)
    return
  }
}
