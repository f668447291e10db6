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
  }

  func testElementWiseWorkIsNotCountedAndCountsDoNotNest() throws {
    XCTAssertEqual(try Torch.countFLOPs { _ = try Tensor.randn([64, 64]) * Tensor.randn([64, 64]) }, 0)
    XCTAssertThrowsError(try Torch.countFLOPs { _ = try Torch.countFLOPs {} })
    XCTAssertEqual(try Torch.countFLOPs { _ = try Tensor.randn([2, 3]).matmul(Tensor.randn([3, 5])) }, 60, "usable again after the error")
  }
}
