import XCTest
@testable import Torch

/// `Functional.convNeXtBlock` against the same block written as separate operations: values
/// and every gradient, in float64 so that a wrong term cannot hide in rounding.
final class ConvNeXtBlockTests: XCTestCase {
  struct Block {
    let dwWeight, dwBias, normWeight, normBias, fc1Weight, fc1Bias, fc2Weight, fc2Bias, gamma: Tensor
    let eps = 1e-6

    init(channels c: Int) throws {
      func random(_ shape: [Int], scale: Double = 0.3) throws -> Tensor {
        try (Tensor.randn(shape, dtype: .float64) * scale).requiresGrad(true)
      }
      dwWeight = try random([c, 1, 7, 7])
      dwBias = try random([c])
      normWeight = try (Tensor.randn([c], dtype: .float64) * 0.2 + 1).requiresGrad(true)
      normBias = try random([c])
      fc1Weight = try random([4 * c, c])
      fc1Bias = try random([4 * c])
      fc2Weight = try random([c, 4 * c])
      fc2Bias = try random([c])
      gamma = try random([c, 1, 1])  // not the usual 1e-6, so that γ's gradient matters
    }

    /// The same values in another precision, as new leaves.
    init(_ other: Block, dtype: DType) throws {
      func copy(_ t: Tensor) throws -> Tensor { try t.detach().to(dtype, copy: true).requiresGrad(true) }
      (dwWeight, dwBias, normWeight, normBias) = (try copy(other.dwWeight), try copy(other.dwBias), try copy(other.normWeight), try copy(other.normBias))
      (fc1Weight, fc1Bias, fc2Weight, fc2Bias, gamma) = (try copy(other.fc1Weight), try copy(other.fc1Bias), try copy(other.fc2Weight), try copy(other.fc2Bias), try copy(other.gamma))
    }

    var parameters: [Tensor] { [dwWeight, dwBias, normWeight, normBias, fc1Weight, fc1Bias, fc2Weight, fc2Bias, gamma] }

    func fused(_ x: Tensor, dropPath: Double = 0, training: Bool = false) throws -> Tensor {
      try Functional.convNeXtBlock(
        x, dwconv: (dwWeight, dwBias), norm: (normWeight, normBias, eps), fc1: (fc1Weight, fc1Bias),
        fc2: (fc2Weight, fc2Bias), layerScale: gamma, dropPath: dropPath, training: training)
    }

    /// torchvision's CNBlock as written there.
    func separate(_ x: Tensor, dropPath: Double = 0, training: Bool = false) throws -> Tensor {
      var y = try Functional.conv2d(x, weight: dwWeight, bias: dwBias, padding: 3, groups: x.shape[1]).permute([0, 2, 3, 1])
      y = try Functional.layerNorm(y, normalizedShape: [x.shape[1]], weight: normWeight, bias: normBias, eps: eps)
      y = try Functional.linear(y, weight: fc1Weight, bias: fc1Bias).gelu()
      y = try Functional.linear(y, weight: fc2Weight, bias: fc2Bias).permute([0, 3, 1, 2])
      return try Functional.dropPath(gamma * y, p: dropPath, training: training) + x
    }
  }

  override func setUp() { Torch.manualSeed(3) }

  /// Output and gradients (for `x` and every parameter) of the fused block and the separate
  /// operations, from the same random state, under a loss that weights every element.
  func assertSameAsSeparate(
    _ block: Block, _ input: Tensor, dropPath: Double = 0, training: Bool = false,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let x = try input.detach().requiresGrad(true)
    let weights = try Tensor.randnLike(x)
    var results: [[Tensor]] = []
    for run in [block.fused, block.separate] {
      Torch.manualSeed(11)
      let out = try run(x, dropPath, training)
      let leaves = [x] + block.parameters
      let grads = try Torch.grad(outputs: [(out * weights).sum()], inputs: leaves)
      results.append([try out.detach()] + grads)
    }
    let names = ["output", "x", "dwconv.weight", "dwconv.bias", "norm.weight", "norm.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "gamma"]
    for (name, (a, b)) in zip(names, zip(results[0], results[1])) {
      XCTAssertEqual(a.shape, b.shape, name, file: file, line: line)
      let error = try (a - b).abs().max().double()
      let scale = try b.abs().max().double()
      XCTAssertLessThanOrEqual(error, 1e-10 * Swift.max(1, scale), "\(name): max |error| \(error)", file: file, line: line)
    }
  }

  func testMatchesSeparateOperations() throws {
    let block = try Block(channels: 8)
    try assertSameAsSeparate(block, try Tensor.randn([2, 8, 9, 7], dtype: .float64))
  }

  /// Blocks wider than 256 channels keep their hidden layer for backward; narrower ones (every
  /// other test here) recompute it: both give the separate operations' gradients.
  func testMatchesSeparateOperationsWhenTheHiddenLayerIsKept() throws {
    let block = try Block(channels: 264)
    try assertSameAsSeparate(block, try Tensor.randn([2, 264, 3, 4], dtype: .float64), dropPath: 0.3, training: true)
  }

  /// float32 runs the depthwise convolution's own backward kernels (float64 checks their terms
  /// above) and oneDNN's products; 20 channels take one 16-channel vector step and a 4-channel
  /// remainder.
  func testFloat32GradientsMatchFloat64() throws {
    let block64 = try Block(channels: 20)
    let block32 = try Block(block64, dtype: .float32)
    let x64 = try Tensor.randn([2, 20, 12, 11], dtype: .float64).requiresGrad(true)
    let x32 = try x64.detach().to(.float32, copy: true).requiresGrad(true)
    let weights = try Tensor.randnLike(x64)
    let grads64 = try Torch.grad(outputs: [(block64.separate(x64) * weights).sum()], inputs: [x64] + block64.parameters)
    let grads32 = try Torch.grad(outputs: [(block32.fused(x32) * weights.to(.float32)).sum()], inputs: [x32] + block32.parameters)
    for (k, (a, b)) in zip(grads32, grads64).enumerated() {
      let error = try (a.to(.float64) - b).abs().max().double()
      XCTAssertLessThanOrEqual(error, 1e-4 * Swift.max(1, try b.abs().max().double()), "gradient \(k): max |error| \(error)")
    }
    // Without gradients the first product and GELU are one oneDNN call.
    let out32 = try Torch.withNoGrad { try block32.fused(x32) }
    let out64 = try Torch.withNoGrad { try block64.separate(x64) }
    XCTAssertLessThanOrEqual(try (out32.to(.float64) - out64).abs().max().double(), 1e-5 * Swift.max(1, try out64.abs().max().double()))
  }

  /// Under bf16 autocast the fused block runs its two products in bf16 and the rest in float32:
  /// its output and gradients are no further from the float64 values than torchvision's block
  /// under autocast is (plus a margin for rounding luck), with x given in float32 or, as a
  /// stage's first block gets it from the downsampling convolution, in bf16.
  func testUnderAutocastIsAsCloseToFloat64AsSeparateOperations() throws {
    for (channels, inputType) in [(20, DType.float32), (264, .float32), (20, .bfloat16)] {
      let block64 = try Block(channels: channels)
      let block32 = try Block(block64, dtype: .float32)
      let x64 = try Tensor.randn([2, channels, 9, 10], dtype: .float64).to(inputType).to(.float64).requiresGrad(true)
      let weights = try Tensor.randnLike(x64)
      let leaves64 = [x64] + block64.parameters
      let reference = [try block64.separate(x64).detach()] + (try Torch.grad(outputs: [(block64.separate(x64) * weights).sum()], inputs: leaves64))
      var errors: [[Double]] = []
      for run in [block32.fused, block32.separate] {
        let x = try x64.detach().to(inputType, copy: true).requiresGrad(true)
        let out = try Torch.withAutocast { try run(x, 0, false) }
        let grads = try Torch.grad(outputs: [(out.to(.float64) * weights).sum()], inputs: [x] + block32.parameters)
        errors.append(try zip([out] + grads, reference).map { try ($0.to(.float64) - $1).abs().max().double() / Swift.max(1e-6, try $1.abs().max().double()) })
      }
      for (k, (fused, separate)) in zip(errors[0], errors[1]).enumerated() {
        XCTAssertLessThanOrEqual(fused, 1.5 * separate + 1e-3, "\(channels) channels, \(inputType) input, value \(k)")
      }
    }
  }

  func testStochasticDepthDropsTheSameSamples() throws {
    let block = try Block(channels: 4)
    let x = try Tensor.randn([16, 4, 5, 5], dtype: .float64)
    try assertSameAsSeparate(block, x, dropPath: 0.5, training: true)
    // Some samples are dropped (output = input) and some kept, so the mask is really exercised.
    Torch.manualSeed(11)
    let out = try Torch.withNoGrad { try block.fused(x, dropPath: 0.5, training: true) }
    let unchanged = try (out - x).abs().amax(dims: [1, 2, 3]).eq(0).sum().double()
    XCTAssertTrue((1...15).contains(Int(unchanged)), "\(unchanged) of 16 samples dropped")
  }

  /// 2 × 48 × 48 pixels: the per-pixel layers run in chunks of 2048 pixels, the last one partial.
  func testMatchesSeparateOperationsAcrossPixelChunks() throws {
    let block = try Block(channels: 3)
    try assertSameAsSeparate(block, try Tensor.randn([2, 3, 48, 48], dtype: .float64), dropPath: 0.3, training: true)
  }

  func testChannelsLastInput() throws {
    let block = try Block(channels: 6)
    try assertSameAsSeparate(block, try Tensor.randn([2, 6, 8, 8], dtype: .float64).contiguous(channelsLast: true))
  }

  func testFrozenWeightsStillGiveTheInputGradient() throws {
    let block = try Block(channels: 4)
    for p in block.parameters { try p.requiresGrad(false) }
    let x = try Tensor.randn([1, 4, 6, 6], dtype: .float64).requiresGrad(true)
    let fused = try Torch.grad(of: block.fused(x).square().sum(), withRespectTo: x)
    let separate = try Torch.grad(of: block.separate(x).square().sum(), withRespectTo: x)
    XCTAssertLessThanOrEqual(try (fused - separate).abs().max().double(), 1e-10)
  }

  func testWithoutGradientRecordingMatches() throws {
    let block = try Block(channels: 4)
    let x = try Tensor.randn([2, 4, 6, 6], dtype: .float64)
    let (fused, separate) = try Torch.withNoGrad { (try block.fused(x), try block.separate(x)) }
    XCTAssertFalse(fused.requiresGrad)
    XCTAssertLessThanOrEqual(try (fused - separate).abs().max().double(), 1e-12)
  }

  func testRejectsWrongInput() throws {
    let block = try Block(channels: 4)
    XCTAssertThrowsError(try block.fused(Tensor.randn([2, 5, 6, 6], dtype: .float64))) {
      XCTAssertTrue("\($0)".contains("ConvNeXt block"), "\($0)")
    }
    XCTAssertThrowsError(try block.fused(Tensor.randn([2, 4, 6, 6], dtype: .float64), dropPath: 1.5, training: true))
  }
}
