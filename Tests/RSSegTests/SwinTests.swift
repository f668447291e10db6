import Foundation
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class SwinTests: XCTestCase {
  private let small = SwinConfig(embedDim: 8, depths: [2, 2, 2, 2], numHeads: [1, 2, 2, 4], windowSize: 3)

  // MARK: configuration

  func testConfigJSONAndPresets() throws {
    let json = #"{"embed_dim": 16, "depths": [2, 2, 6, 2], "num_heads": [1, 2, 4, 8], "window_size": 7}"#
    let decoded = try JSONDecoder().decode(SwinConfig.self, from: Data(json.utf8))
    XCTAssertEqual(decoded, SwinConfig(embedDim: 16, depths: [2, 2, 6, 2], numHeads: [1, 2, 4, 8], windowSize: 7))
    XCTAssertEqual(decoded.dims, [16, 32, 64, 128])
    let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(SwinConfig.base)) as! [String: Any]
    XCTAssertEqual(encoded["window_size"] as? Int, 12)
    XCTAssertEqual(encoded["drop_path_rate"] as? Double, 0.3)
    XCTAssertEqual(try JSONDecoder().decode(SwinConfig.self, from: JSONEncoder().encode(SwinConfig.base)), .base)

    XCTAssertEqual(try SwinConfig.preset(named: "B"), .base)
    XCTAssertEqual(SwinConfig.base.windowSize, 12)
    XCTAssertEqual(SwinConfig.base224.windowSize, 7)
    XCTAssertEqual(SwinConfig.large.embedDim, 192)
    XCTAssertThrowsError(try SwinConfig.preset(named: "huge"))
    XCTAssertThrowsError(try SwinConfig(embedDim: 10, depths: [2], numHeads: [3], windowSize: 7).validate())
    XCTAssertThrowsError(try SwinConfig(embedDim: 8, depths: [2, 2], numHeads: [1], windowSize: 7).validate())
  }

  func testDropRatesRiseLinearly() {
    var config = small
    config.dropPathRate = 0.35
    let rates = config.blockDropRates
    XCTAssertEqual(rates.count, 8)
    for (i, rate) in rates.enumerated() { XCTAssertEqual(rate, 0.05 * Double(i), accuracy: 1e-12) }
  }

  func testOfficialKeyNames() throws {
    let keys = Set(try SwinTransformer(small).stateDict().keys)
    for key in [
      "patch_embed.proj.weight", "patch_embed.norm.bias", "layers.0.blocks.1.attn.relative_position_bias_table",
      "layers.0.blocks.1.attn.relative_position_index", "layers.2.blocks.0.attn.qkv.weight", "layers.3.blocks.1.mlp.fc2.bias",
      "layers.1.downsample.reduction.weight", "layers.1.downsample.norm.weight", "norm0.weight", "norm3.bias",
    ] {
      XCTAssertTrue(keys.contains(key), key)
    }
    XCTAssertFalse(keys.contains("layers.3.downsample.norm.weight"))
    XCTAssertFalse(keys.contains { $0.contains("drop_path") })
    let table = try SwinTransformer(small).stateDict()["layers.1.blocks.0.attn.relative_position_bias_table"]!
    XCTAssertEqual(table.shape, [25, 2])
  }

  // MARK: windows against a direct computation

  /// The attention branch of a block computed without roll or window partition: on the map
  /// padded to window multiples, token i attends to token j when both lie in one cell of the
  /// window grid offset by `shift` (cells cut at shift, shift + ws, …, partial at the borders).
  private func directAttention(_ block: SwinBlock, _ x: Tensor, height h: Int, width w: Int) throws -> Tensor {
    let ws = block.windowSize
    let shift = block.shiftSize
    let c = x.shape[2]
    let heads = block.attn.numHeads
    let (hp, wp) = ((h + ws - 1) / ws * ws, (w + ws - 1) / ws * ws)
    let padded = try Functional.pad(block.norm1(x).view([1, h, w, c]), [0, 0, 0, wp - w, 0, hp - h]).view([hp * wp, c])
    let qkv = try block.attn.qkv(padded).view([hp * wp, 3, heads, c / heads]).permute([1, 2, 0, 3])  // [3, heads, T, d]
    func cell(_ i: Int) -> Int { shift == 0 ? i / ws : (i < shift ? -1 : (i - shift) / ws) }
    let t = hp * wp
    var allowed = [Bool](repeating: false, count: t * t)
    var relative = [Int64](repeating: 0, count: t * t)
    for i in 0..<t {
      for j in 0..<t {
        let (yi, xi, yj, xj) = (i / wp, i % wp, j / wp, j % wp)
        guard cell(yi) == cell(yj), cell(xi) == cell(xj) else { continue }
        allowed[i * t + j] = true
        relative[i * t + j] = Int64((yi - yj + ws - 1) * (2 * ws - 1) + (xi - xj + ws - 1))
      }
    }
    let bias = try block.attn.relativePositionBiasTable[Tensor(relative, shape: [t * t])].view([t, t, heads]).permute([2, 0, 1])
    let scale = 1 / Double(c / heads).squareRoot()
    let scores = try (qkv[0] * scale).matmul(qkv[1].transpose(-2, -1)) + bias
    let blocked = try Tensor(allowed, shape: [t, t]).logicalNot()
    let attended = try scores.maskedFill(blocked, .float(-Double.infinity)).softmax(dim: -1).matmul(qkv[2])  // [heads, T, d]
    let out = try block.attn.proj(attended.permute([1, 0, 2]).reshape([t, c])).view([hp, wp, c])
    return try x + out[..<h, ..<w, .all].reshape([1, h * w, c])
  }

  func testShiftedAndPaddedWindowsMatchDirectComputation() throws {
    Torch.manualSeed(7)
    for (h, w, shift) in [(6, 6, 2), (5, 7, 2), (6, 6, 0), (9, 4, 2), (5, 3, 0)] {
      let block = try SwinBlock(dim: 8, numHeads: 2, windowSize: 4, shiftSize: shift, mlpRatio: 2, qkvBias: true, dropPath: 0)
      block.eval()
      try Torch.withNoGrad {
        // A sharp bias table, and an MLP branch that adds nothing, leave the attention branch.
        _ = try block.attn.relativePositionBiasTable.copy_(Tensor.randn([49, 2]))
        _ = try block.mlp.fc2.weight.zero_()
        _ = try block.mlp.fc2.bias!.zero_()
      }
      // Two images: the row maps number every image's windows after the previous image's.
      let x = try Tensor.randn([2, h * w, 8]).requiresGrad(true)
      let windows = try SwinWindowing(batch: 2, height: h, width: w, windowSize: 4, device: .cpu)
      let got = try block(x, windows: windows)
      let expected = try Tensor.cat(
        [directAttention(block, x[0..<1], height: h, width: w), directAttention(block, x[1..<2], height: h, width: w)], dim: 0)
      let error = try (got - expected).abs().amax().double()
      XCTAssertLessThan(error, 1e-5, "\(h)×\(w) shift \(shift)")
      // Gradients too: qkv's bias collects the padding's share, and every token's rows go back.
      let cotangent = try Tensor.randn(got.shape)
      let sources = [x, block.attn.qkv.weight, block.attn.qkv.bias!, block.attn.proj.weight, block.attn.relativePositionBiasTable]
      let ours = try Torch.grad(outputs: [(got * cotangent).sum()], inputs: sources)
      let direct = try Torch.grad(outputs: [(expected * cotangent).sum()], inputs: sources)
      for (k, (a, b)) in zip(ours, direct).enumerated() {
        let scale = max(1, try b.abs().amax().double())
        XCTAssertLessThan(try (a - b).abs().amax().double(), 1e-4 * scale, "\(h)×\(w) shift \(shift) grad \(k)")
      }
    }
  }

  func testWindowsOfAnotherLayoutAreRefused() throws {
    let windows = try SwinWindowing(batch: 1, height: 6, width: 6, windowSize: 4, device: .cpu)
    let x = try Tensor.randn([1, 36, 8])
    // A shift other than half the window, another window, another batch or map size.
    let shiftedByOne = try SwinBlock(dim: 8, numHeads: 2, windowSize: 4, shiftSize: 1, mlpRatio: 2, qkvBias: true, dropPath: 0)
    XCTAssertThrowsError(try shiftedByOne(x, windows: windows))
    let wider = try SwinBlock(dim: 8, numHeads: 2, windowSize: 3, shiftSize: 0, mlpRatio: 2, qkvBias: true, dropPath: 0)
    XCTAssertThrowsError(try wider(x, windows: windows))
    let block = try SwinBlock(dim: 8, numHeads: 2, windowSize: 4, shiftSize: 2, mlpRatio: 2, qkvBias: true, dropPath: 0)
    XCTAssertThrowsError(try block(Tensor.randn([2, 36, 8]), windows: windows))
    XCTAssertThrowsError(try block(Tensor.randn([1, 35, 8]), windows: windows))
    XCTAssertNoThrow(try block(x, windows: windows))
  }

  func testRowMapsAreTheOfficialPadRollAndPartition() throws {
    // torch: F.pad(x, (0, 0, 0, wp−w, 0, hp−h)).roll((−s, −s), (1, 2)) → window_partition.
    let (h, w, ws, shift) = (5, 7, 4, 2)
    let x = try Tensor.arange(1, .int(Int64(1 + 2 * h * w))).to(.float32).view([2, h, w, 1])
    let padded = try Functional.pad(x, [0, 0, 0, 1, 0, 3]).roll(shifts: [-shift, -shift], dims: [1, 2])
    let official = try padded.view([2, 2, ws, 2, ws, 1]).permute([0, 1, 3, 2, 4, 5]).reshape([-1, 1])
    let map = try SwinWindows.rowMap(batch: 2, height: h, width: w, windowSize: ws, shift: shift, device: .cpu)
    XCTAssertEqual(try x.view([-1, 1]).gatherRows(map).scalars(as: Float.self), try official.scalars(as: Float.self))
    XCTAssertTrue(map.hasHoles)
    XCTAssertFalse(map.dropsRows)
    // Back: every token from its window row.
    XCTAssertEqual(try official.gatherRows(map.inverted).scalars(as: Float.self), try x.view([-1]).scalars(as: Float.self))
  }

  func testRelativePositionIndexIsTheOfficialOne() throws {
    // torch: coords = stack(meshgrid(arange(2), arange(2))).flatten(1); rel = c[:, :, None] - c[:, None, :] …
    let index = try SwinWindows.relativePositionIndex(windowSize: 2).scalars(as: Int64.self)
    XCTAssertEqual(index, [4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4])
  }

  // MARK: whole backbone

  func testOddSizesArePaddedAndCropped() throws {
    Torch.manualSeed(1)
    let swin = try SwinTransformer(small)
    swin.eval()
    let x = try Tensor.randn([2, 3, 50, 70])
    let stages = try Torch.withNoGrad { try swin(x) }
    XCTAssertEqual(stages.map(\.shape), [[2, 8, 13, 18], [2, 16, 7, 9], [2, 32, 4, 5], [2, 64, 2, 3]])
    for stage in stages { XCTAssertTrue(try stage.isfinite().all().double() == 1) }
    // Patch embedding pads with zeros at bottom/right: an explicitly padded input gives the same maps.
    let padded = try Functional.pad(x, [0, 2, 0, 2])
    let again = try Torch.withNoGrad { try swin(padded) }
    for (a, b) in zip(stages, again) { XCTAssertEqual(try (a - b).abs().amax().double(), 0) }
    // Every parameter gets a gradient through the padded windows.
    swin.train()
    try swin(x).map { try $0.sum() }.reduce(Tensor.zeros([]), +).backward()
    for (key, p) in try swin.namedParameters() {
      XCTAssertNotNil(p.grad, key)
      if let grad = p.grad { XCTAssertTrue(try grad.isfinite().all().double() == 1, key) }
    }
  }

  func testCheckpointedBlocksGiveTheSameOutputsAndGradients() throws {
    var dropping = small
    dropping.dropPathRate = 0.3  // the recomputation must draw the same stochastic-depth masks
    Torch.manualSeed(5)
    let swin = try SwinTransformer(dropping)
    let x = try Tensor.randn([2, 3, 40, 40])
    swin.train()
    func run(checkpoint: Bool) throws -> (outputs: [Tensor], grads: [String: Tensor]) {
      for layer in swin.layers { layer.useCheckpoint = checkpoint }
      for p in try swin.parameters() { try p.setGrad(nil) }
      Torch.manualSeed(11)
      let outputs = try swin(x)
      try outputs.enumerated().map { try $1.square().sum() * Double($0 + 1) }.reduce(Tensor.zeros([]), +).backward()
      return (try outputs.map { try $0.detach() }, try Dictionary(uniqueKeysWithValues: swin.namedParameters().map { ($0.0, $0.1.grad!) }))
    }
    let plain = try run(checkpoint: false)
    let recomputed = try run(checkpoint: true)
    for (a, b) in zip(plain.outputs, recomputed.outputs) { XCTAssertEqual(try (a - b).abs().amax().double(), 0) }
    for (key, grad) in plain.grads {
      XCTAssertLessThan(try (grad - recomputed.grads[key]!).abs().amax().double(), 1e-5, key)
    }
  }

  func testStochasticDepthOnlyInTraining() throws {
    var dropping = small
    dropping.dropPathRate = 0.5
    Torch.manualSeed(3)
    let model = try SwinTransformer(dropping)
    let plain = try SwinTransformer(small)
    try plain.loadStateDict(model.stateDict())
    let x = try Tensor.randn([4, 3, 32, 32])
    model.eval()
    plain.eval()
    let a = try Torch.withNoGrad { try model(x) }
    let b = try Torch.withNoGrad { try plain(x) }
    for (p, q) in zip(a, b) { XCTAssertEqual(try (p - q).abs().amax().double(), 0) }
    model.train()
    plain.train()
    let c = try Torch.withNoGrad { try model(x) }
    let d = try Torch.withNoGrad { try plain(x) }
    XCTAssertGreaterThan(try (c[3] - d[3]).abs().amax().double(), 1e-3, "blocks are dropped in training")
    XCTAssertEqual(try (d[3] - b[3]).abs().amax().double(), 0, "without drop path training and eval agree")
  }

  // MARK: official checkpoints

  /// A classification checkpoint's tensors as `torch.load(...)` flattens them: everything under
  /// `model.`, with the classifier head, the final norm and the shifted blocks' `attn_mask`.
  private func officialCheckpoint(_ config: SwinConfig) throws -> (tensors: [String: Tensor], source: [String: Tensor]) {
    let source = try SwinTransformer(config).stateDict().filter { !$0.key.hasPrefix("norm") }
    var tensors = Dictionary(uniqueKeysWithValues: source.map { ("model." + $0.key, $0.value) })
    tensors["model.head.weight"] = try Tensor.randn([10, config.dims.last!])
    tensors["model.norm.weight"] = try Tensor.ones([config.dims.last!])
    tensors["model.layers.0.blocks.1.attn_mask"] = try Tensor.zeros([4, 9, 9])
    return (tensors, source)
  }

  func testLoadsOfficialClassificationWeights() throws {
    Torch.manualSeed(5)
    let (tensors, source) = try officialCheckpoint(small)
    let swin = try SwinTransformer(small)
    let report = try SwinCheckpoint.load(tensors, into: swin)
    XCTAssertEqual(report.loaded.count, source.count)
    XCTAssertEqual(Set(report.fresh), Set((0..<4).flatMap { ["norm\($0).weight", "norm\($0).bias"] }))
    XCTAssertEqual(report.ignored, ["head.weight", "layers.0.blocks.1.attn_mask", "norm.weight"])
    XCTAssertEqual(report.mismatched, [])
    let loaded = try swin.stateDict()
    for (key, tensor) in source { XCTAssertEqual(try (loaded[key]! - tensor).abs().amax().double(), 0, key) }
    XCTAssertTrue(report.description.hasPrefix("loaded \(source.count) tensors; 8 start fresh (norm0.weight"), report.description)

    // Top-level keys (a bare state dict) load too.
    let bare = try SwinCheckpoint.load(source, into: try SwinTransformer(small))
    XCTAssertEqual(bare.loaded.count, source.count)
    XCTAssertEqual(bare.ignored, [])
  }

  func testWindowMismatchStartsFreshAndForeignWeightsFail() throws {
    var window5 = small
    window5.windowSize = 5
    var (tensors, _) = try officialCheckpoint(window5)
    let key = "layers.1.blocks.0.attn.relative_position_bias_table"
    tensors["model." + key] = try Tensor.full([81, 2], 0.7)
    let swin = try SwinTransformer(small)
    let report = try SwinCheckpoint.load(tensors, into: swin)
    // The 9×9 bias tables of window 5 are resized bicubically to window 3's 5×5 (a constant
    // table stays constant); the index buffers of another window start fresh.
    XCTAssertEqual(report.resized.count, 8)
    XCTAssertEqual(report.mismatched.count, 8)
    XCTAssertTrue(report.mismatched.allSatisfy { $0.key.hasSuffix("relative_position_index") && $0.found == [25, 25] })
    let table = try swin.stateDict()[key]!
    XCTAssertEqual(table.shape, [25, 2])
    XCTAssertEqual(try (table - 0.7).abs().amax().double(), 0, accuracy: 1e-6)
    XCTAssertTrue(report.description.contains("8 position bias tables resized"), report.description)
    XCTAssertTrue(report.description.contains("starts fresh"))

    XCTAssertThrowsError(try SwinCheckpoint.load(["model.fc.weight": try Tensor.zeros([2, 2])], into: try SwinTransformer(small))) {
      XCTAssertTrue("\($0)".contains("share no tensor"), "\($0)")
    }
  }
}
