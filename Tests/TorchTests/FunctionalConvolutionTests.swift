import XCTest
@testable import Torch

final class FunctionalConvolutionTests: XCTestCase {
  /// conv2d by direct summation over [N, C, H, W] arrays.
  private func manualConv2d(
    x: [Float], xShape: [Int], w: [Float], wShape: [Int], bias: [Float]?, stride: Int, padding: Int,
    dilation: Int, groups: Int
  ) -> (values: [Float], shape: [Int]) {
    let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
    let (o, cg, kh, kw) = (wShape[0], wShape[1], wShape[2], wShape[3])
    let oh = (h + 2 * padding - dilation * (kh - 1) - 1) / stride + 1
    let ow = (wd + 2 * padding - dilation * (kw - 1) - 1) / stride + 1
    let og = o / groups
    var out = [Float](repeating: 0, count: n * o * oh * ow)
    for b in 0..<n { for oc in 0..<o { for i in 0..<oh { for j in 0..<ow {
      var s = bias?[oc] ?? 0
      let g = oc / og
      for ic in 0..<cg { for u in 0..<kh { for v in 0..<kw {
        let y = i * stride - padding + u * dilation, xx = j * stride - padding + v * dilation
        guard y >= 0, y < h, xx >= 0, xx < wd else { continue }
        s += x[((b * c + g * cg + ic) * h + y) * wd + xx] * w[((oc * cg + ic) * kh + u) * kw + v]
      } } }
      out[((b * o + oc) * oh + i) * ow + j] = s
    } } } }
    return (out, [n, o, oh, ow])
  }

  func testConv2dMatchesManualLoop() throws {
    for (stride, padding, dilation, groups) in [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1), (1, 1, 1, 2)] {
      let xShape = [2, 4, 5, 6], wShape = [6, 4 / groups, 3, 3]
      let x = testValues(xShape.reduce(1, *), seed: 3), w = testValues(wShape.reduce(1, *), seed: 4)
      let b = testValues(6, seed: 5)
      let expected = manualConv2d(x: x, xShape: xShape, w: w, wShape: wShape, bias: b, stride: stride,
                                  padding: padding, dilation: dilation, groups: groups)
      let y = try Functional.conv2d(
        try Tensor(x, shape: xShape), weight: try Tensor(w, shape: wShape), bias: try Tensor(b),
        stride: SpatialSize([stride]), padding: .explicit(SpatialSize([padding])),
        dilation: SpatialSize([dilation]), groups: groups)
      XCTAssertEqual(y.shape, expected.shape)
      try assertClose(y, expected.values, accuracy: 1e-4, "stride \(stride) pad \(padding) dil \(dilation) groups \(groups)")
    }
  }

  func testConv2dSamePaddingKeepsSize() throws {
    let x = try Tensor(testValues(1 * 2 * 5 * 7), shape: [1, 2, 5, 7])
    let w = try Tensor(testValues(3 * 2 * 3 * 3, seed: 9), shape: [3, 2, 3, 3])
    let same = try Functional.conv2d(x, weight: w, padding: .same)
    XCTAssertEqual(same.shape, [1, 3, 5, 7])
    // "same" with an odd kernel is symmetric padding of 1.
    try assertClose(same, try Functional.conv2d(x, weight: w, padding: 1).scalars(), accuracy: 1e-6)
    XCTAssertEqual(try Functional.conv2d(x, weight: w, padding: .valid).shape, [1, 3, 3, 5])
  }

  func testConv1dAndLinear() throws {
    // conv1d of [1, 2, 3, 4] with kernel [1, -1] = differences.
    let x = try Tensor([1, 2, 4, 7] as [Float], shape: [1, 1, 4])
    let w = try Tensor([-1, 1] as [Float], shape: [1, 1, 2])
    try assertClose(try Functional.conv1d(x, weight: w), [1, 2, 3])
    let a = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    let wl = try Tensor([1, 0, -1, 0.5, 0.5, 0.5] as [Float], shape: [2, 3])
    let bl = try Tensor([10, 20] as [Float])
    try assertClose(try Functional.linear(a, weight: wl, bias: bl), [8, 23, 8, 27.5])
  }

  func testBadPaddingIsAnError() throws {
    let x = try Tensor.zeros([1, 1, 4, 4]), w = try Tensor.zeros([1, 1, 3, 3])
    XCTAssertThrowsError(try Functional.conv2d(x, weight: w, padding: [1, 1, 1]))
    XCTAssertThrowsError(try Functional.conv2d(x, weight: try Tensor.zeros([1, 2, 3, 3])))
  }
}
