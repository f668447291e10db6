import XCTest
@testable import Torch

/// 3×3 convolutions with stride 1 and padding 1 in float32 on the CPU (32+ channels each side)
/// run by Winograd's F(4×4, 3×3) (CTorch nn_winograd.cpp): values and all three gradients against
/// float64, within a bound 20× looser than the direct float32 convolution's typical error, and far
/// below what a wrong transform coefficient gives (errors of order 1).
final class WinogradConvTests: XCTestCase {
  override func setUp() { Torch.manualSeed(11) }

  func relativeError(_ a: Tensor, _ b: Tensor) throws -> Double {
    try (a.to(.float64) - b).abs().max().double() / Swift.max(1e-12, try b.abs().max().double())
  }

  func ranWinograd(_ body: () throws -> Void) throws -> Bool {
    try Torch.profileOps(body).contains { $0.name == "rsseg::winograd_conv2d" }
  }

  /// Sizes that are not multiples of the 4×4 tile or of the 16-channel vector, batch 2 and 1,
  /// with and without a bias, channels-last and plain inputs, explicit and "same" padding, one
  /// chunk of tiles and two.
  func testValuesAndGradientsMatchFloat64() throws {
    let cases: [(batch: Int, cin: Int, cout: Int, h: Int, w: Int, bias: Bool, channelsLast: Bool, padding: ConvPadding)] = [
      (2, 40, 33, 13, 7, true, true, 1),
      (1, 32, 48, 5, 9, false, false, .same),
      (2, 70, 37, 17, 16, true, false, 1),
      (1, 64, 64, 1, 3, false, true, 1),
      (1, 32, 36, 100, 90, true, false, 1),  // 575 tiles: two chunks of at most 512
    ]
    for c in cases {
      let label = "\(c)"
      let x64 = try Tensor.randn([c.batch, c.cin, c.h, c.w], dtype: .float64).requiresGrad(true)
      let w64 = try (Tensor.randn([c.cout, c.cin, 3, 3], dtype: .float64) * 0.05).detach().requiresGrad(true)
      let b64 = c.bias ? try Tensor.randn([c.cout], dtype: .float64).requiresGrad(true) : nil
      func copy(_ t: Tensor) throws -> Tensor { try t.detach().to(.float32, copy: true).requiresGrad(true) }
      let x32 = try x64.detach().to(.float32, copy: true).contiguous(channelsLast: c.channelsLast).requiresGrad(true)
      let (w32, b32) = (try copy(w64), try b64.map(copy))
      let g = try Tensor.randn([c.batch, c.cout, c.h, c.w], dtype: .float64)
      let y64 = try Functional.conv2d(x64, weight: w64, bias: b64, padding: c.padding)
      var y32: Tensor?
      XCTAssertTrue(try ranWinograd { y32 = try Functional.conv2d(x32, weight: w32, bias: b32, padding: c.padding) }, label)
      let y = try XCTUnwrap(y32)
      XCTAssertEqual(y.shape, y64.shape, label)
      XCTAssertLessThanOrEqual(try relativeError(y, y64), 5e-5, label)
      let leaves64 = [x64, w64] + (b64.map { [$0] } ?? [])
      let leaves32 = [x32, w32] + (b32.map { [$0] } ?? [])
      let grads64 = try Torch.grad(outputs: [(y64 * g).sum()], inputs: leaves64)
      let grads32 = try Torch.grad(outputs: [(y * g.to(.float32)).sum()], inputs: leaves32)
      for (k, (a, b)) in zip(grads32, grads64).enumerated() {
        XCTAssertEqual(a.shape, b.shape, "\(label), gradient \(k)")
        XCTAssertLessThanOrEqual(try relativeError(a, b), 5e-5, "\(label), gradient \(k)")
      }
    }
  }

  /// A frozen weight (only the input's gradient) and a frozen input (only the weight's).
  func testOneSidedGradients() throws {
    let x64 = try Tensor.randn([1, 36, 10, 11], dtype: .float64)
    let w64 = try Tensor.randn([40, 36, 3, 3], dtype: .float64) * 0.05
    let (x32, w32) = (try x64.to(.float32, copy: true), try w64.to(.float32, copy: true))
    for inputGradient in [true, false] {
      let (a64, a32) = inputGradient ? (x64, x32) : (w64, w32)
      let leaf64 = try a64.detach().requiresGrad(true), leaf32 = try a32.detach().requiresGrad(true)
      let y64 = try Functional.conv2d(inputGradient ? leaf64 : x64, weight: inputGradient ? w64 : leaf64, padding: 1)
      let y32 = try Functional.conv2d(inputGradient ? leaf32 : x32, weight: inputGradient ? w32 : leaf32, padding: 1)
      let g64 = try Torch.grad(of: y64.square().sum(), withRespectTo: leaf64)
      let g32 = try Torch.grad(of: y32.square().sum(), withRespectTo: leaf32)
      XCTAssertLessThanOrEqual(try relativeError(g32, g64), 5e-5, "input gradient: \(inputGradient)")
    }
  }

  /// A gradient of a gradient (create_graph) goes through libtorch's differentiable backward.
  func testSecondDerivativeMatchesFloat64() throws {
    var results: [Tensor] = []
    let x = try Tensor.randn([1, 32, 6, 6], dtype: .float64)
    let w = try Tensor.randn([32, 32, 3, 3], dtype: .float64) * 0.05
    for dtype in [DType.float64, .float32] {
      let xd = try x.to(dtype, copy: true).requiresGrad(true)
      let wd = try w.to(dtype, copy: true).requiresGrad(true)
      let y = try Functional.conv2d(xd, weight: wd, padding: 1).square().sum()
      let gx = try Torch.grad(of: y, withRespectTo: xd, createGraph: true)
      results.append(try Torch.grad(of: gx.square().sum(), withRespectTo: wd))
    }
    XCTAssertLessThanOrEqual(try relativeError(results[1], results[0]), 5e-5)
  }

  /// Under autocast, inputs of 60×60 or more (float32, or bf16 from an earlier autocast op) run in
  /// float32 by Winograd: a float32 result as close to float64 as outside autocast, gradients too.
  func testUnderAutocastLargeInputsRunInFloat32() throws {
    let w64 = try (Tensor.randn([40, 36, 3, 3], dtype: .float64) * 0.05).detach()
    for inputType in [DType.float32, .bfloat16] {
      let x = try Tensor.randn([1, 36, 61, 60]).to(inputType).requiresGrad(true)
      let w = try w64.to(.float32, copy: true).requiresGrad(true)
      var y: Tensor?
      XCTAssertTrue(try ranWinograd { y = try Torch.withAutocast { try Functional.conv2d(x, weight: w, padding: 1) } }, "\(inputType)")
      let result = try XCTUnwrap(y)
      XCTAssertEqual(result.dtype, .float32)
      let x64 = try x.detach().to(.float64).requiresGrad(true)
      let w64 = try w64.detach().requiresGrad(true)
      let y64 = try Functional.conv2d(x64, weight: w64, padding: 1)
      XCTAssertLessThanOrEqual(try relativeError(result, y64), 5e-5, "\(inputType)")
      let grads = try Torch.grad(outputs: [result.square().sum()], inputs: [x, w])
      let grads64 = try Torch.grad(outputs: [y64.square().sum()], inputs: [x64, w64])
      XCTAssertEqual(grads[0].dtype, inputType)
      // The input's gradient is rounded to the input's type (bf16: 2⁻⁸ relative).
      XCTAssertLessThanOrEqual(try relativeError(grads[0], grads64[0]), inputType == .float32 ? 5e-5 : 1e-2, "\(inputType)")
      XCTAssertLessThanOrEqual(try relativeError(grads[1], grads64[1]), 5e-5, "\(inputType)")
    }
  }

  /// Other convolutions stay libtorch's: too few channels, stride 2, a 5×5 kernel, groups,
  /// float64, and under autocast below 60×60 (bf16 products there).
  func testOtherConvolutionsAreLibtorchs() throws {
    let x = try Tensor.randn([1, 64, 8, 8])
    let w = try Tensor.randn([64, 64, 3, 3])
    let cases: [(String, () throws -> Void)] = [
      ("16 channels", { _ = try Functional.conv2d(try Tensor.randn([1, 16, 8, 8]), weight: try Tensor.randn([64, 16, 3, 3]), padding: 1) }),
      ("stride 2", { _ = try Functional.conv2d(x, weight: w, stride: 2, padding: 1) }),
      ("padding 0", { _ = try Functional.conv2d(x, weight: w) }),
      ("5×5", { _ = try Functional.conv2d(x, weight: try Tensor.randn([64, 64, 5, 5]), padding: 2) }),
      ("groups", { _ = try Functional.conv2d(x, weight: try Tensor.randn([64, 32, 3, 3]), padding: 1, groups: 2) }),
      ("float64", { _ = try Functional.conv2d(x.to(.float64), weight: w.to(.float64), padding: 1) }),
      ("autocast", { _ = try Torch.withAutocast { try Functional.conv2d(x, weight: w, padding: 1) } }),
    ]
    for (label, body) in cases { XCTAssertFalse(try ranWinograd(body), label) }
    XCTAssertTrue(try ranWinograd { _ = try Functional.conv2d(x, weight: w, padding: 1) })
  }

  /// The FLOP counter counts the direct convolution's multiply-adds: the model's arithmetic,
  /// whichever way it runs.
  func testCountedAsTheDirectConvolution() throws {
    let x = try Tensor.randn([2, 48, 10, 12])
    let w = try Tensor.randn([40, 48, 3, 3])
    let flops = try Torch.countFLOPs { _ = try Functional.conv2d(x, weight: w, padding: 1) }
    XCTAssertEqual(flops, 2 * 48 * 9 * 2 * 40 * 10 * 12)
  }
}
