import XCTest
@testable import Torch

/// `Functional.windowAttention` in float32 on the CPU (CTorch nn_window_attention.cpp: the weights
/// in one pass each way, the products batched from qkv's rows where libtorch's products are MKL's)
/// against the official sequence of operations in float64: values and the gradients of qkv and the
/// bias, with and without the shifted windows' mask, for rows that fill the 8-lane vectors and
/// rows with a remainder.
final class WindowAttentionTests: XCTestCase {
  override func setUp() { Torch.manualSeed(11) }

  func relativeError(_ a: Tensor, _ b: Tensor) throws -> Double {
    try (a.to(.float64) - b).abs().max().double() / Swift.max(1e-12, try b.abs().max().double())
  }

  /// The official WindowAttention.forward between qkv and proj: q·scale, q·kᵀ, + bias, + mask,
  /// softmax, ·v, heads side by side.
  func official(_ qkv: Tensor, heads: Int, _ bias: Tensor, _ mask: Tensor?, scale: Double) throws -> Tensor {
    let (w, n, c) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
    let parts = try qkv.view([w, n, 3, heads, c / heads]).permute([2, 0, 3, 1, 4]).unbind(dim: 0)
    var z = try (parts[0] * scale).matmul(parts[1].transpose(-2, -1)) + bias.unsqueeze(0)
    if let mask {
      z = try (z.view([w / mask.shape[0], mask.shape[0], heads, n, n]) + mask.unsqueeze(1).unsqueeze(0)).view([w, heads, n, n])
    }
    return try z.softmax(dim: -1).matmul(parts[2]).transpose(1, 2).reshape([w, n, c])
  }

  /// The op this CPU's float32 path shows in a profile.
  var expectedOp: String { Torch.cpuProductsOnOneDNN ? "rsseg::window_softmax" : "rsseg::window_attention" }

  func testValuesAndGradientsMatchTheOfficialOperationsInFloat64() throws {
    for (n, masked) in [(16, true), (13, true), (16, false), (3, false)] {
      let (windows, heads, headWidth, maskWindows, scale) = (6, 3, 8, 3, 0.35)
      let qkv64 = try (Tensor.randn([windows, n, 3 * heads * headWidth], dtype: .float64) * 1.5).requiresGrad(true)
      let bias64 = try Tensor.randn([heads, n, n], dtype: .float64).requiresGrad(true)
      // Swin's mask: 0 inside a window's own region, −100 across regions.
      let mask64 = masked ? try Tensor.rand([maskWindows, n, n], dtype: .float64).lt(0.3).to(.float64) * -100 : nil
      func copy(_ t: Tensor) throws -> Tensor { try t.detach().to(.float32, copy: true).requiresGrad(t.requiresGrad) }
      let (qkv32, bias32, mask32) = (try copy(qkv64), try copy(bias64), try mask64.map(copy))
      let y64 = try official(qkv64, heads: heads, bias64, mask64, scale: scale)
      var y: Tensor?
      let ops = try Torch.profileOps {
        y = try Functional.windowAttention(qkv32, heads: heads, bias: bias32, mask: mask32, scale: scale)
      }
      let y32 = try XCTUnwrap(y)
      let context = "n \(n), masked \(masked)"
      XCTAssertEqual(y32.shape, [windows, n, heads * headWidth], context)
      XCTAssertTrue(ops.contains { $0.name == expectedOp }, "\(context): \(ops.map(\.name))")
      XCTAssertLessThanOrEqual(try relativeError(y32, y64), 1e-5, context)
      let weights = try Tensor.randn(y64.shape, dtype: .float64)
      let grads64 = try Torch.grad(outputs: [(y64 * weights).sum()], inputs: [qkv64, bias64])
      let grads32 = try Torch.grad(outputs: [(y32 * weights.to(.float32)).sum()], inputs: [qkv32, bias32])
      for (k, (a, b)) in zip(grads32, grads64).enumerated() {
        XCTAssertEqual(a.shape, b.shape, "\(context), gradient \(k)")
        XCTAssertLessThanOrEqual(try relativeError(a, b), 1e-5, "\(context), gradient \(k)")
      }
    }
  }

  /// Without gradients the result is the same; float64 takes libtorch's operations.
  func testInferenceAndOtherTypesGiveTheSameResult() throws {
    let qkv = try Tensor.randn([4, 9, 12])
    let bias = try Tensor.randn([2, 9, 9])
    let mask = try Tensor.randn([2, 9, 9])
    let reference = try official(qkv.to(.float64), heads: 2, bias.to(.float64), mask.to(.float64), scale: 0.5)
    let inference = try Torch.withInferenceMode {
      try Functional.windowAttention(qkv, heads: 2, bias: bias, mask: mask, scale: 0.5)
    }
    XCTAssertLessThanOrEqual(try relativeError(inference, reference), 1e-5)
    let float64 = try Functional.windowAttention(
      qkv.to(.float64), heads: 2, bias: bias.to(.float64), mask: mask.to(.float64), scale: 0.5)
    XCTAssertEqual(float64.dtype, .float64)
    XCTAssertLessThanOrEqual(try relativeError(float64, reference), 1e-12)
  }

  func testOperandsThatDoNotFitAreRefused() throws {
    let qkv = try Tensor.randn([4, 9, 12])
    XCTAssertThrowsError(try Functional.windowAttention(qkv, heads: 2, bias: try Tensor.randn([3, 9, 9]), mask: nil, scale: 1)) {
      XCTAssertTrue("\($0)".contains("does not fit"), "\($0)")
    }
    XCTAssertThrowsError(
      try Functional.windowAttention(qkv, heads: 2, bias: try Tensor.randn([2, 9, 9]), mask: try Tensor.randn([3, 9, 9]), scale: 1)
    ) { XCTAssertTrue("\($0)".contains("mask"), "\($0)") }
    XCTAssertThrowsError(try Functional.windowAttention(qkv, heads: 5, bias: try Tensor.randn([5, 9, 9]), mask: nil, scale: 1)) {
      XCTAssertTrue("\($0)".contains("heads"), "\($0)")
    }
  }
}
