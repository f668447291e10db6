import XCTest
@testable import Torch

/// `Functional.linear` in float32 on the CPU runs its forward and backward products on oneDNN
/// (CTorch products.cpp): the same values and gradients as libtorch's linear in float64; so do
/// `matmul`'s batched products (same batch dimensions, 3-D or more).
final class LinearProductsTests: XCTestCase {
  override func setUp() { Torch.manualSeed(5) }

  func relativeError(_ a: Tensor, _ b: Tensor) throws -> Double {
    try (a.to(.float64) - b).abs().max().double() / Swift.max(1e-12, try b.abs().max().double())
  }

  /// A float32 copy of `t` that requires a gradient where `t` does.
  func float32Copy(_ t: Tensor) throws -> Tensor { try t.detach().to(.float32, copy: true).requiresGrad(t.requiresGrad) }

  /// A 3-D input that is not contiguous, with and without a bias, and with the weight frozen.
  func testValuesAndGradientsMatchFloat64() throws {
    for (bias, frozenWeight) in [(true, false), (false, false), (true, true)] {
      let x64 = try Tensor.randn([5, 3, 24], dtype: .float64).transpose(0, 1).requiresGrad(true)
      let w64 = try Tensor.randn([40, 24], dtype: .float64).requiresGrad(!frozenWeight)
      let b64 = bias ? try Tensor.randn([40], dtype: .float64).requiresGrad(true) : nil
      let (x32, w32, b32) = (try float32Copy(x64), try float32Copy(w64), try b64.map(float32Copy))
      let weights = try Tensor.randn([3, 5, 40], dtype: .float64)
      let leaves64 = [x64] + (frozenWeight ? [] : [w64]) + (b64.map { [$0] } ?? [])
      let leaves32 = [x32] + (frozenWeight ? [] : [w32]) + (b32.map { [$0] } ?? [])
      let y64 = try Functional.linear(x64, weight: w64, bias: b64)
      let y32 = try Functional.linear(x32, weight: w32, bias: b32)
      XCTAssertEqual(y32.shape, [3, 5, 40])
      XCTAssertLessThanOrEqual(try relativeError(y32, y64), 1e-6)
      let grads64 = try Torch.grad(outputs: [(y64 * weights).sum()], inputs: leaves64)
      let grads32 = try Torch.grad(outputs: [(y32 * weights.to(.float32)).sum()], inputs: leaves32)
      for (k, (a, b)) in zip(grads32, grads64).enumerated() {
        XCTAssertLessThanOrEqual(try relativeError(a, b), 1e-6, "bias \(bias), frozen weight \(frozenWeight), gradient \(k)")
      }
    }
  }

  /// A gradient of a gradient (create_graph) goes through libtorch's differentiable products.
  func testSecondDerivativeMatchesFloat64() throws {
    var results: [Tensor] = []
    let x = try Tensor.randn([6, 8], dtype: .float64)
    let w = try Tensor.randn([4, 8], dtype: .float64)
    for dtype in [DType.float64, .float32] {
      let xd = try x.to(dtype, copy: true).requiresGrad(true)
      let wd = try w.to(dtype, copy: true).requiresGrad(true)
      let y = try Functional.linear(xd, weight: wd).square().sum()
      let gx = try Torch.grad(of: y, withRespectTo: xd, createGraph: true)
      results.append(try Torch.grad(of: gx.square().sum(), withRespectTo: wd))
    }
    XCTAssertLessThanOrEqual(try relativeError(results[1], results[0]), 1e-5)
  }

  func testUnderAutocastTheProductsAreBF16() throws {
    let x = try Tensor.randn([4, 8])
    let w = try Tensor.randn([3, 8])
    XCTAssertEqual(try Torch.withAutocast { try Functional.linear(x, weight: w) }.dtype, .bfloat16)
  }

  /// Attention's shapes: 4-D operands, one a transposed view, as Swin's windows multiply them.
  func testBatchedMatmulValuesAndGradientsMatchFloat64() throws {
    let q64 = try Tensor.randn([3, 2, 10, 8], dtype: .float64).requiresGrad(true)
    let k64 = try Tensor.randn([3, 2, 10, 8], dtype: .float64).requiresGrad(true)
    let (q32, k32) = (try float32Copy(q64), try float32Copy(k64))
    let y64 = try q64.matmul(k64.transpose(-2, -1))
    var y32: Tensor?
    let ops = try Torch.profileOps { y32 = try q32.matmul(k32.transpose(-2, -1)) }
    XCTAssertEqual(ops.contains { $0.name == "rsseg::matmul" }, Torch.cpuProductsOnOneDNN, "\(ops.map(\.name))")
    let y = try XCTUnwrap(y32)
    XCTAssertEqual(y.shape, [3, 2, 10, 10])
    XCTAssertLessThanOrEqual(try relativeError(y, y64), 1e-6)
    let weights = try Tensor.randn([3, 2, 10, 10], dtype: .float64)
    let grads64 = try Torch.grad(outputs: [(y64 * weights).sum()], inputs: [q64, k64])
    let grads32 = try Torch.grad(outputs: [(y * weights.to(.float32)).sum()], inputs: [q32, k32])
    for (k, (a, b)) in zip(grads32, grads64).enumerated() {
      XCTAssertLessThanOrEqual(try relativeError(a, b), 1e-6, "gradient \(k)")
    }
    // Broadcast batch dimensions and 2-D operands stay libtorch's matmul.
    XCTAssertEqual(try q32.matmul(try Tensor.randn([8, 4])).shape, [3, 2, 10, 4])
    XCTAssertEqual(try q32.matmul(try Tensor.randn([1, 2, 8, 4])).shape, [3, 2, 10, 4])
  }

  /// A thin right operand (6 columns against 24, as HBIS's classes and BiCoR-Seg's classifier
  /// have): on every CPU its gradient is computed as (gᵀ·a)ᵀ, with float64's values.
  func testThinOperandGradientIsTurnedRound() throws {
    let a64 = try Tensor.randn([2, 300, 24], dtype: .float64).requiresGrad(true)
    let d64 = try Tensor.randn([2, 6, 24], dtype: .float64).requiresGrad(true)
    let (a32, d32) = (try float32Copy(a64), try float32Copy(d64))
    let y64 = try a64.matmul(d64.transpose(1, 2))
    let y32 = try a32.matmul(d32.transpose(1, 2))
    XCTAssertLessThanOrEqual(try relativeError(y32, y64), 1e-6)
    let weights = try Tensor.randn([2, 300, 6], dtype: .float64)
    let grads64 = try Torch.grad(outputs: [(y64 * weights).sum()], inputs: [a64, d64])
    var grads32: [Tensor] = []
    let ops = try Torch.profileOps(byShapes: true) {
      grads32 = try Torch.grad(outputs: [(y32 * weights.to(.float32)).sum()], inputs: [a32, d32])
    }
    XCTAssertTrue(ops.contains { $0.name.contains(" [2, 6, 300] [2, 300, 24]") }, "gᵀ·a not among \(ops.map(\.name))")
    for (k, (a, b)) in zip(grads32, grads64).enumerated() {
      XCTAssertLessThanOrEqual(try relativeError(a, b), 1e-6, "gradient \(k)")
    }
  }

  func testBatchedMatmulSecondDerivativeMatchesFloat64() throws {
    var results: [Tensor] = []
    let a = try Tensor.randn([2, 5, 6], dtype: .float64)
    let b = try Tensor.randn([2, 6, 4], dtype: .float64)
    for dtype in [DType.float64, .float32] {
      let ad = try a.to(dtype, copy: true).requiresGrad(true)
      let bd = try b.to(dtype, copy: true).requiresGrad(true)
      let y = try ad.matmul(bd).square().sum()
      let ga = try Torch.grad(of: y, withRespectTo: ad, createGraph: true)
      results.append(try Torch.grad(of: ga.square().sum(), withRespectTo: bd))
    }
    XCTAssertLessThanOrEqual(try relativeError(results[1], results[0]), 1e-5)
  }
}
