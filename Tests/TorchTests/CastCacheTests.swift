import XCTest
@testable import Torch

/// `Torch.withCastCache`: under autocast with gradients off, a weight's bf16 copy is made once
/// per scope, gives what autocast's own cast gives, follows in-place updates, and never serves
/// a graph.
final class CastCacheTests: XCTestCase {
  override func setUp() { Torch.manualSeed(7) }

  func testServesLinearLayersAndConvolutionsAndFreesItsCopiesOnExit() throws {
    let x = try Tensor.randn([3, 16])
    let (w, b) = (try Tensor.randn([8, 16]).requiresGrad(true), try Tensor.randn([8]).requiresGrad(true))
    let image = try Tensor.randn([1, 4, 6, 6])
    let kernel = try Tensor.randn([5, 4, 3, 3]).requiresGrad(true)
    func run() throws -> (Tensor, Tensor) {
      try Torch.withInferenceMode {
        try Torch.withAutocast {
          (try Functional.linear(x, weight: w, bias: b), try Functional.conv2d(image, weight: kernel, padding: 1))
        }
      }
    }
    let (plainLinear, plainConv) = try run()
    XCTAssertEqual(Torch.castCacheCount, 0, "nothing cached outside a scope")
    try Torch.withCastCache {
      for _ in 0..<2 {
        let (linear, conv) = try run()
        XCTAssertEqual(linear.dtype, .bfloat16)
        XCTAssertEqual(try (linear.to(.float32) - plainLinear.to(.float32)).abs().max().double(), 0)
        XCTAssertEqual(try (conv.to(.float32) - plainConv.to(.float32)).abs().max().double(), 0)
        XCTAssertEqual(Torch.castCacheCount, 3, "w, b and the kernel, each cast once")
      }
    }
    XCTAssertEqual(Torch.castCacheCount, 0)
  }

  /// A weight changed in place (an optimiser step, a loaded state dict) is cast again.
  func testFollowsInPlaceUpdates() throws {
    let x = try Tensor.randn([2, 16])
    let w = try Tensor.randn([4, 16]).requiresGrad(true)
    func forward() throws -> Tensor {
      try Torch.withInferenceMode { try Torch.withAutocast { try Functional.linear(x, weight: w).to(.float32) } }
    }
    try Torch.withCastCache {
      let before = try forward()
      try Torch.withNoGrad { _ = try w.mul_(2) }
      let after = try forward()
      XCTAssertEqual(try (after - before * 2).abs().max().double(), 0, accuracy: 1e-2 * (try before.abs().max().double()))
      XCTAssertGreaterThan(try (after - before).abs().max().double(), 0.1)
    }
  }

  /// With gradients on, casts are made at each use and carry the weight's gradient.
  func testDoesNotServeWhileAutogradRecords() throws {
    let x = try Tensor.randn([2, 16])
    let w = try Tensor.randn([4, 16]).requiresGrad(true)
    try Torch.withCastCache {
      let y = try Torch.withAutocast { try Functional.linear(x, weight: w) }
      XCTAssertEqual(Torch.castCacheCount, 0)
      let grad = try Torch.grad(of: y.to(.float32).sum(), withRespectTo: w)
      XCTAssertEqual(grad.shape, [4, 16])
      XCTAssertGreaterThan(try grad.abs().max().double(), 0)
    }
  }
}
