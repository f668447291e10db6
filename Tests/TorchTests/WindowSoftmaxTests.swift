import XCTest
@testable import Torch

/// `Functional.windowSoftmax` in float32 on the CPU (CTorch nn_window_softmax.cpp: one pass each
/// way) against the official sequence of operations in float64: values and the gradients of the
/// scores and the bias, with and without the shifted windows' mask, for rows that fill the
/// 8-lane vectors and rows with a remainder.
final class WindowSoftmaxTests: XCTestCase {
  override func setUp() { Torch.manualSeed(11) }

  func relativeError(_ a: Tensor, _ b: Tensor) throws -> Double {
    try (a.to(.float64) - b).abs().max().double() / Swift.max(1e-12, try b.abs().max().double())
  }

  /// softmax(scale·scores + bias + mask), as WindowAttention did it before the fused pass.
  func official(_ scores: Tensor, _ bias: Tensor, _ mask: Tensor?, scale: Double) throws -> Tensor {
    var z = try scores * scale + bias.unsqueeze(0)
    if let mask {
      let (w, h, n) = (scores.shape[0], scores.shape[1], scores.shape[2])
      z = try (z.view([w / mask.shape[0], mask.shape[0], h, n, n]) + mask.unsqueeze(1).unsqueeze(0)).view([w, h, n, n])
    }
    return try z.softmax(dim: -1)
  }

  func testValuesAndGradientsMatchTheOfficialOperationsInFloat64() throws {
    for (n, masked) in [(16, true), (13, true), (16, false), (3, false)] {
      let (windows, heads, maskWindows, scale) = (6, 3, 3, 0.35)
      let scores64 = try (Tensor.randn([windows, heads, n, n], dtype: .float64) * 4).requiresGrad(true)
      let bias64 = try Tensor.randn([heads, n, n], dtype: .float64).requiresGrad(true)
      // Swin's mask: 0 inside a window's own region, −100 across regions.
      let mask64 = masked ? try Tensor.rand([maskWindows, n, n], dtype: .float64).lt(0.3).to(.float64) * -100 : nil
      func copy(_ t: Tensor) throws -> Tensor { try t.detach().to(.float32, copy: true).requiresGrad(t.requiresGrad) }
      let (scores32, bias32, mask32) = (try copy(scores64), try copy(bias64), try mask64.map(copy))
      let y64 = try official(scores64, bias64, mask64, scale: scale)
      var y: Tensor?
      let ops = try Torch.profileOps { y = try Functional.windowSoftmax(scores32, bias: bias32, mask: mask32, scale: scale) }
      let y32 = try XCTUnwrap(y)
      let context = "n \(n), masked \(masked)"
      XCTAssertEqual(y32.dtype, .float32, context)
      XCTAssertTrue(ops.contains { $0.name == "rsseg::window_softmax" }, "\(context): \(ops.map(\.name))")
      XCTAssertLessThanOrEqual(try relativeError(y32, y64), 1e-5, context)
      let weights = try Tensor.randn([windows, heads, n, n], dtype: .float64)
      let grads64 = try Torch.grad(outputs: [(y64 * weights).sum()], inputs: [scores64, bias64])
      let grads32 = try Torch.grad(outputs: [(y32 * weights.to(.float32)).sum()], inputs: [scores32, bias32])
      for (k, (a, b)) in zip(grads32, grads64).enumerated() {
        XCTAssertEqual(a.shape, b.shape, "\(context), gradient \(k)")
        XCTAssertLessThanOrEqual(try relativeError(a, b), 1e-5, "\(context), gradient \(k)")
      }
    }
  }

  /// Without gradients the weights are the same; float64 takes libtorch's operations.
  func testInferenceAndOtherTypesGiveTheSameWeights() throws {
    let scores = try Tensor.randn([4, 2, 9, 9])
    let bias = try Tensor.randn([2, 9, 9])
    let mask = try Tensor.randn([2, 9, 9])
    let reference = try official(scores.to(.float64), bias.to(.float64), mask.to(.float64), scale: 0.5)
    let inference = try Torch.withInferenceMode { try Functional.windowSoftmax(scores, bias: bias, mask: mask, scale: 0.5) }
    XCTAssertLessThanOrEqual(try relativeError(inference, reference), 1e-5)
    let float64 = try Functional.windowSoftmax(scores.to(.float64), bias: bias.to(.float64), mask: mask.to(.float64), scale: 0.5)
    XCTAssertEqual(float64.dtype, .float64)
    XCTAssertLessThanOrEqual(try relativeError(float64, reference), 1e-12)
  }

  func testOperandsThatDoNotFitAreRefused() throws {
    let scores = try Tensor.randn([4, 2, 9, 9])
    XCTAssertThrowsError(try Functional.windowSoftmax(scores, bias: try Tensor.randn([3, 9, 9]), mask: nil, scale: 1)) {
      XCTAssertTrue("\($0)".contains("does not fit"), "\($0)")
    }
    XCTAssertThrowsError(
      try Functional.windowSoftmax(scores, bias: try Tensor.randn([2, 9, 9]), mask: try Tensor.randn([3, 9, 9]), scale: 1)
    ) { XCTAssertTrue("\($0)".contains("mask"), "\($0)") }
    XCTAssertThrowsError(try Functional.windowSoftmax(try Tensor.randn([4, 9, 9]), bias: try Tensor.randn([2, 9, 9]), mask: nil, scale: 1))
  }
}
