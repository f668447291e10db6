import XCTest
@testable import Torch

final class LayerTests: XCTestCase {
  func testLinearAndConvDefaultInitBounds() throws {
    Torch.manualSeed(0)
    let linear = try Linear(16, 8)
    let bound: Float = 1 / 4
    XCTAssertTrue(try linear.weight.scalars(as: Float.self).allSatisfy { abs($0) <= bound })
    XCTAssertTrue(try linear.bias!.scalars(as: Float.self).allSatisfy { abs($0) <= bound })
    XCTAssertGreaterThan(try linear.weight.scalars(as: Float.self).map(abs).max()!, bound * 0.8)
    let conv = try Conv2d(4, 6, kernelSize: 3, stride: 2, padding: 1, groups: 2)
    XCTAssertEqual(conv.weight.shape, [6, 2, 3, 3])
    let convBound = 1 / Float(18).squareRoot()
    XCTAssertTrue(try conv.weight.scalars(as: Float.self).allSatisfy { abs($0) <= convBound })
    XCTAssertEqual(try conv(try Tensor.zeros([1, 4, 8, 8])).shape, [1, 6, 4, 4])
    XCTAssertEqual(try Conv1d(2, 3, kernelSize: 3, padding: .same)(try Tensor.zeros([1, 2, 5])).shape, [1, 3, 5])
    XCTAssertThrowsError(try Conv2d(3, 4, kernelSize: 3, groups: 2))
  }

  func testTruncNormalStaysInBounds() throws {
    Torch.manualSeed(1)
    let t = try Tensor.empty([10_000])
    try Init.truncNormal_(t, std: 0.02, a: -0.04, b: 0.04)
    let v = try t.scalars(as: Float.self)
    XCTAssertTrue(v.allSatisfy { abs($0) <= 0.04 })
    let mean = v.reduce(0, +) / Float(v.count)
    let std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(v.count)).squareRoot()
    XCTAssertEqual(mean, 0, accuracy: 0.002)
    // A normal truncated at ±2σ has std ≈ 0.88σ.
    XCTAssertEqual(std, 0.88 * 0.02, accuracy: 0.001)
  }

  func testBatchNorm2dModuleUpdatesBuffers() throws {
    let bn = try BatchNorm2d(1, momentum: 0.5)
    let x = try Tensor([1, 2, 3, 6] as [Float], shape: [1, 1, 2, 2])
    _ = try bn(x)
    _ = try bn(x)
    XCTAssertEqual(try bn.numBatchesTracked!.int(), 2)
    // mean 3, unbiased var 14/3; after two steps with momentum 0.5: 0.75 of the batch value.
    try assertClose(bn.runningMean!, [2.25])
    try assertClose(bn.runningVar!, [0.25 + 0.75 * 14 / 3])
    bn.eval()
    let y = try bn(x)
    XCTAssertEqual(try bn.numBatchesTracked!.int(), 2)
    try assertClose(y, [1, 2, 3, 6].map { ($0 - 2.25) / (0.25 + 0.75 * 14 / 3 + 1e-5 as Float).squareRoot() })
  }

  func testLayerNorm2dNormalisesChannelsPerPixel() throws {
    let norm = try LayerNorm2d(3, eps: 1e-6)
    try Torch.withNoGrad { _ = try norm.weight.mul_(2) }
    let v = testValues(2 * 3 * 2 * 2, seed: 11)
    let y = try norm(try Tensor(v, shape: [2, 3, 2, 2])).scalars(as: Float.self)
    for n in 0..<2 { for p in 0..<4 {
      let idx = (0..<3).map { n * 12 + $0 * 4 + p }
      let c = idx.map { v[$0] }
      let mean = c.reduce(0, +) / 3
      let variance = c.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3
      for (i, k) in idx.enumerated() {
        XCTAssertEqual(y[k], 2 * (c[i] - mean) / (variance + 1e-6).squareRoot(), accuracy: 1e-4)
      }
    } }
    XCTAssertEqual(try norm.orderedStateDict().map(\.key), ["weight", "bias"])
  }

  func testSmallLayers() throws {
    let seq = Sequential(try Linear(2, 2), ReLU(), Identity(), try Dropout(0.5))
    seq.eval()
    let x = try Tensor([1, -1] as [Float], shape: [1, 2])
    let lin = seq.layers[0] as! Linear
    try assertClose(try seq(x), try Functional.linear(x, weight: lin.weight, bias: lin.bias).relu().scalars())
    try assertClose(try Tanh()(x), [Foundation.tanh(1), Foundation.tanh(-1)])
    try assertClose(try SiLU()(x), [1 / (1 + Foundation.exp(-1)), -1 / (1 + Foundation.exp(1))])
    try assertClose(try GELU()(x), [0.841345, -0.158655], accuracy: 1e-5)
    XCTAssertEqual(try PixelShuffle(2)(try Tensor.zeros([1, 8, 3, 3])).shape, [1, 2, 6, 6])
    XCTAssertEqual(try GroupNorm(groups: 2, channels: 4)(try Tensor.zeros([1, 4, 2, 2])).shape, [1, 4, 2, 2])
    // InstanceNorm1d over [N, C, L]: each (sample, channel) row normalised on its own.
    let rows = try InstanceNorm1d(2)(try Tensor([1, 3, 0, 4, 2, 2, 5, 7] as [Float], shape: [2, 2, 2]))
    try assertClose(rows, [-1, 1, -1, 1, 0, 0, -1, 1], accuracy: 1e-4)
    XCTAssertThrowsError(try InstanceNorm1d(2)(try Tensor.zeros([1, 2, 2, 2])))
    XCTAssertThrowsError(try InstanceNorm2d(2)(try Tensor.zeros([1, 2, 2])))
    XCTAssertEqual(try InstanceNorm2d(3, affine: true).namedParameters().map(\.key), ["weight", "bias"])
    XCTAssertEqual(try InstanceNorm1d(3).namedParameters().count, 0)
    let drop = try DropPath(0.3)
    drop.eval()
    try assertClose(try drop(x), [1, -1])

    let emb = try Embedding(4, 3, paddingIdx: 1)
    XCTAssertEqual(try emb(try Tensor([1] as [Int64])).scalars(as: Float.self), [0, 0, 0])
    XCTAssertEqual(try emb(try Tensor([[0, 2], [3, 1]].flatMap { $0 } as [Int64], shape: [2, 2])).shape, [2, 2, 3])
  }

  func testMultiheadAttentionMatchesComposition() throws {
    let (e, heads, l, s, n) = (4, 2, 3, 2, 2)
    let mha = try MultiheadAttention(embedDim: e, numHeads: heads, batchFirst: true)
    XCTAssertEqual(try mha.orderedStateDict().map(\.key), ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
    try Torch.withNoGrad { _ = try mha.inProjBias!.add_(0.1) }
    let q = try Tensor(testValues(n * l * e, seed: 1), shape: [n, l, e])
    let kv = try Tensor(testValues(n * s * e, seed: 2), shape: [n, s, e])
    // Key padding: sample 1 ignores key 1.
    let padding = try Tensor([false, false, false, true], shape: [n, s])
    let y = try mha(q, kv, kv, keyPaddingMask: padding)
    XCTAssertEqual(y.shape, [n, l, e])

    // The same computation from functional pieces: projections, per-head attention, output.
    let w = try mha.inProjWeight.reshape([3, e, e]), b = try mha.inProjBias!.reshape([3, e])
    func project(_ x: Tensor, _ i: Int) throws -> Tensor {
      let wi = try w.asStrided([e, e], strides: [e, 1], storageOffset: i * e * e)
      let bi = try b.asStrided([e], strides: [1], storageOffset: i * e)
      return try Functional.linear(x, weight: wi, bias: bi)
    }
    func split(_ x: Tensor, _ len: Int) throws -> Tensor {
      try x.reshape([n, len, heads, e / heads]).permute([0, 2, 1, 3])
    }
    let allowed = try Tensor([true, true, true, false], shape: [n, 1, 1, s])
    let attn = try Functional.scaledDotProductAttention(
      try split(try project(q, 0), l), try split(try project(kv, 1), s), try split(try project(kv, 2), s), attnMask: allowed)
    let merged = try attn.permute([0, 2, 1, 3]).reshape([n, l, e])
    let expected = try mha.outProj(merged)
    try assertClose(y, try expected.scalars(), accuracy: 1e-5)

    // Sequence-first layout gives the same numbers transposed.
    let seqFirst = try MultiheadAttention(embedDim: e, numHeads: heads)
    try seqFirst.loadStateDict(try mha.stateDict())
    let z = try seqFirst(try q.transpose(0, 1), try kv.transpose(0, 1), try kv.transpose(0, 1), keyPaddingMask: padding)
    try assertClose(try z.transpose(0, 1).contiguous(), try y.scalars(), accuracy: 1e-6)
  }
}
