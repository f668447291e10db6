import Torch
import XCTest

final class FLOPsTests: XCTestCase {
  func testCountsProductsConvolutionsAndAttentionOnce() throws {
    // [1, 3, 8, 8] ∗ [4, 3, 3, 3], padding 1: 256 outputs × 2·27.
    let conv = try Torch.countFLOPs {
      _ = try Functional.conv2d(Tensor.randn([1, 3, 8, 8]), weight: Tensor.randn([4, 3, 3, 3]), padding: 1)
    }
    XCTAssertEqual(conv, 256 * 54)
    // A grouped convolution counts its groups' channels only: [1, 4, 8, 8] depthwise 3×3.
    let depthwise = try Torch.countFLOPs {
      _ = try Functional.conv2d(Tensor.randn([1, 4, 8, 8]), weight: Tensor.randn([4, 1, 3, 3]), padding: 1, groups: 4)
    }
    XCTAssertEqual(depthwise, 256 * 18)
    // linear [4, 3] → [4, 5] with bias (an addmm), and a batched product [2, 4, 3] × [2, 3, 5].
    let products = try Torch.countFLOPs {
      _ = try Functional.linear(Tensor.randn([4, 3]), weight: Tensor.randn([5, 3]), bias: Tensor.randn([5]))
      _ = try Tensor.randn([2, 4, 3]).matmul(Tensor.randn([2, 3, 5]))
    }
    XCTAssertEqual(products, 2 * 4 * 3 * 5 + 2 * 2 * 4 * 3 * 5)
    // Attention: q [1, 2, 4, 8], k and v [1, 2, 6, 8]: QKᵀ and AV, 2·(2·4·6·8) each; its math
    // path's own products (with a mask) are not counted again.
    let attention = try Torch.countFLOPs {
      _ = try Functional.scaledDotProductAttention(
        Tensor.randn([1, 2, 4, 8]), Tensor.randn([1, 2, 6, 8]), Tensor.randn([1, 2, 6, 8]), attnMask: Tensor.zeros([4, 6]))
    }
    XCTAssertEqual(attention, 2 * (2 * 2 * 4 * 6 * 8))
    // Swin's window attention, qkv [3, 9, 3·8] with 2 heads: q·kᵀ and p·v, 2·9·9·8 each per window.
    let windows = try Torch.countFLOPs {
      _ = try Functional.windowAttention(Tensor.randn([3, 9, 24]), heads: 2, bias: Tensor.randn([2, 9, 9]), mask: nil, scale: 1)
    }
    XCTAssertEqual(windows, 3 * 2 * (2 * 9 * 9 * 8))
    // The fused ConvNeXt block, whose products run on oneDNN (the first one with GELU): on
    // [1, 4, 8, 8], the depthwise 7×7 convolution 64·4 outputs × 2·49, then 4 → 16 → 4 per pixel.
    let c = 4
    let block = try Torch.withNoGrad {
      try Torch.countFLOPs {
        _ = try Functional.convNeXtBlock(
          Tensor.randn([1, c, 8, 8]), dwconv: (Tensor.randn([c, 1, 7, 7]), Tensor.randn([c])),
          norm: (Tensor.ones([c]), Tensor.zeros([c]), 1e-6), fc1: (Tensor.randn([4 * c, c]), Tensor.randn([4 * c])),
          fc2: (Tensor.randn([c, 4 * c]), Tensor.randn([c])), layerScale: Tensor.ones([c, 1, 1]), dropPath: 0, training: false)
      }
    }
    XCTAssertEqual(block, 64 * c * 2 * 49 + 2 * (2 * 64 * c * 4 * c))
  }

  func testElementWiseWorkIsNotCountedAndCountsDoNotNest() throws {
    XCTAssertEqual(try Torch.countFLOPs { _ = try Tensor.randn([64, 64]) * Tensor.randn([64, 64]) }, 0)
    XCTAssertThrowsError(try Torch.countFLOPs { _ = try Torch.countFLOPs {} })
    XCTAssertEqual(try Torch.countFLOPs { _ = try Tensor.randn([2, 3]).matmul(Tensor.randn([3, 5])) }, 60, "usable again after the error")
  }
}
