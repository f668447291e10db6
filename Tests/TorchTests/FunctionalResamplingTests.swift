import XCTest
@testable import Torch

final class FunctionalResamplingTests: XCTestCase {
  private let square = { try Tensor([1, 2, 3, 4] as [Float], shape: [1, 1, 2, 2]) }

  func testBilinearAlignCorners() throws {
    let y = try Functional.interpolate(try square(), size: [4, 4], mode: .bilinear, alignCorners: true)
    // Corners map to corners: value = 1 + 2·(i/3) + j/3.
    var expected: [Float] = []
    for i in 0..<4 { for j in 0..<4 { expected.append(1 + 2 * Float(i) / 3 + Float(j) / 3) } }
    try assertClose(y, expected, accuracy: 1e-6)
  }

  func testBilinearHalfPixel() throws {
    let y = try Functional.interpolate(try square(), size: [4, 4], mode: .bilinear, alignCorners: false)
    // Source coordinate (d + 0.5)/2 - 0.5 clamped to [0, 1]: 0, 0.25, 0.75, 1.
    let f: [Float] = [0, 0.25, 0.75, 1]
    var expected: [Float] = []
    for i in 0..<4 { for j in 0..<4 { expected.append(1 + 2 * f[i] + f[j]) } }
    try assertClose(y, expected, accuracy: 1e-6)
    let byScale = try Functional.interpolate(try square(), scaleFactor: [2], mode: .bilinear)
    try assertClose(byScale, expected, accuracy: 1e-6)
  }

  func testNearestAndBicubic() throws {
    let y = try Functional.interpolate(try square(), scaleFactor: [2], mode: .nearest)
    try assertClose(y, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    let down = try Functional.interpolate(try Tensor.zeros([2, 3, 4, 6]), scaleFactor: [1.5, 0.5], mode: .nearest)
    XCTAssertEqual(down.shape, [2, 3, 6, 3])
    let cubic = try Functional.interpolate(try square(), size: [5, 5], mode: .bicubic, alignCorners: true)
    let c = try cubic.scalars(as: Float.self)
    XCTAssertEqual([c[0], c[4], c[20], c[24]], [1, 2, 3, 4])
    XCTAssertThrowsError(try Functional.interpolate(try Tensor.zeros([2, 2]), size: [4, 4]))
    XCTAssertThrowsError(try Functional.interpolate(try square(), size: [4, 4], alignCorners: true))
  }

  func testPixelShuffleRoundTrip() throws {
    let x = try Tensor([0, 1, 2, 3] as [Float], shape: [1, 4, 1, 1])
    let y = try Functional.pixelShuffle(x, upscaleFactor: 2)
    XCTAssertEqual(y.shape, [1, 1, 2, 2])
    try assertClose(y, [0, 1, 2, 3])
    let big = try Tensor(testValues(2 * 8 * 3 * 3), shape: [2, 8, 3, 3])
    let back = try Functional.pixelUnshuffle(try Functional.pixelShuffle(big, upscaleFactor: 2), downscaleFactor: 2)
    try assertClose(back, try big.scalars())
  }

  func testPadModes() throws {
    let x = try Tensor([1, 2, 3] as [Float], shape: [1, 1, 3])
    try assertClose(try Functional.pad(x, [2, 1], mode: .reflect), [3, 2, 1, 2, 3, 2])
    try assertClose(try Functional.pad(x, [2, 1], mode: .replicate), [1, 1, 1, 2, 3, 3])
    try assertClose(try Functional.pad(x, [1, 0], mode: .constant(9)), [9, 1, 2, 3])
    try assertClose(try Functional.pad(x, [1, 1], mode: .circular), [3, 1, 2, 3, 1])
  }

  func testPooling() throws {
    let x = try Tensor((0..<16).map(Float.init), shape: [1, 1, 4, 4])
    try assertClose(try Functional.maxPool2d(x, kernelSize: 2), [5, 7, 13, 15])
    try assertClose(try Functional.avgPool2d(x, kernelSize: 2), [2.5, 4.5, 10.5, 12.5])
    try assertClose(try Functional.adaptiveAvgPool2d(x, outputSize: 1), [7.5])
    try assertClose(try Functional.adaptiveAvgPool2d(x, outputSize: [2, 2]), [2.5, 4.5, 10.5, 12.5])
    try assertClose(try Functional.adaptiveMaxPool2d(x, outputSize: [1, 2]), [13, 15])
    // 3×3 windows, stride 2, padding 1: maxima of the clipped windows.
    try assertClose(try Functional.maxPool2d(x, kernelSize: 3, stride: 2, padding: 1), [5, 7, 13, 15])
    // avg with padding counts the zeros unless told otherwise.
    try assertClose(try Functional.avgPool2d(x, kernelSize: 2, stride: 2, padding: 1), [0, 0.75, 0.75, 3, 7.5, 4.5, 3, 6.75, 3.75])
    try assertClose(
      try Functional.avgPool2d(x, kernelSize: 2, stride: 2, padding: 1, countIncludePad: false).reshape([9]), [0, 1.5, 3, 6, 7.5, 9, 12, 13.5, 15])
  }
}
