import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// BSC and T-BTD as standalone modules (BTDNet spec §3).
final class BTDNetComponentTests: XCTestCase {
  override func setUp() { Torch.manualSeed(7) }

  /// B 2, a 3×4 map of 8 channels, 5 words of 6 channels; the second sentence has 3 real words.
  private func stageInputs() throws -> (pixels: Tensor, fused: Tensor, words: Tensor, mask: Tensor) {
    let mask = try Tensor([1, 1, 1, 1, 1, 1, 1, 1, 0, 0] as [Float], shape: [2, 5, 1])
    return (try Tensor.randn([2, 12, 8]), try Tensor.randn([2, 12, 8]), try Tensor.randn([2, 6, 5]), mask)
  }

  func testBSCShapesAndGating() throws {
    let bsc = try BidirectionalSpatialCorrelation(dim: 8, languageDim: 6)
    let (pixels, fused, words, mask) = try stageInputs()
    let out = try bsc.refine(pixels: pixels, fused: fused, height: 3, width: 4, words: words, tokenMask: mask)
    XCTAssertEqual(out.fused.shape, [2, 12, 8])
    XCTAssertEqual(out.words.shape, [2, 6, 5])
    XCTAssertEqual(out.correlation.shape, [2, 1, 3, 4])
    // F_out = F_lv ⊙ (1 + σ(S)), S laid out row-major over the 3×4 pixels.
    let gate = try out.correlation.sigmoid().reshape([2, 12, 1]) + 1
    try assertClose(out.fused, fused * gate)
    // |S| ≤ τ + |b| = 10 at initialisation (a scaled cosine).
    XCTAssertLessThanOrEqual(try out.correlation.abs().max().double(), 10 + 1e-5)
    // The refinement changes the real words.
    XCTAssertGreaterThan(try (out.words - words).abs().max().double(), 1e-4)
  }

  func testBSCPaddedWordsAreUnchangedAndIgnored() throws {
    let bsc = try BidirectionalSpatialCorrelation(dim: 8, languageDim: 6)
    let (pixels, fused, words, mask) = try stageInputs()
    let out = try bsc.refine(pixels: pixels, fused: fused, height: 3, width: 4, words: words, tokenMask: mask)
    try assertClose(out.words[1, .all, 3...], words[1, .all, 3...], atol: 0)
    // Other values in the padding change nothing else.
    let noisy = try words.clone()
    try noisy.set(1, .all, 3..., to: try Tensor.randn([6, 2]) * 100)
    let again = try bsc.refine(pixels: pixels, fused: fused, height: 3, width: 4, words: noisy, tokenMask: mask)
    try assertClose(again.correlation, out.correlation, atol: 1e-5)
    try assertClose(again.fused, out.fused, atol: 1e-5)
    try assertClose(again.words[.all, .all, ..<3], out.words[.all, .all, ..<3], atol: 1e-5)
  }

  func testBSCRejectsMismatchedShapes() throws {
    let bsc = try BidirectionalSpatialCorrelation(dim: 8, languageDim: 6)
    let (pixels, fused, words, mask) = try stageInputs()
    XCTAssertThrowsError(try bsc.refine(pixels: pixels, fused: fused, height: 4, width: 4, words: words, tokenMask: mask))
    XCTAssertThrowsError(try bsc.refine(pixels: pixels, fused: fused, height: 3, width: 4, words: words.transpose(1, 2), tokenMask: mask))
  }

  func testBSCAsAStageFusionKeepsPWAMsNamesAndTrainsEveryParameter() throws {
    let bsc = try BidirectionalSpatialCorrelation(dim: 8, languageDim: 6)
    let (pixels, _, words, mask) = try stageInputs()
    let result = try bsc(pixels, height: 3, width: 4, words: words, tokenMask: mask)
    let refinedWords = try XCTUnwrap(result.words)
    let map = try XCTUnwrap(result.map)
    XCTAssertEqual(map.shape, [2, 1, 3, 4])
    try (result.residual.square().sum() + refinedWords.square().sum() + map.square().sum()).backward()
    try assertGradientsReachEveryParameter(bsc)
    let pwamKeys = try PWAM(dim: 8, languageDim: 6).namedParameters().map(\.key)
    XCTAssertTrue(pwamKeys.contains("image_lang_att.f_query.0.weight"))
    XCTAssertEqual(
      try bsc.namedParameters().map(\.key).sorted(),
      (pwamKeys + [
        "correlation.bias", "correlation.sentence_proj.bias", "correlation.sentence_proj.weight", "correlation.tau",
        "correlation.visual_proj.bias", "correlation.visual_proj.weight", "vision_to_language.gate.0.weight",
        "vision_to_language.gate.2.weight", "vision_to_language.key.bias", "vision_to_language.key.weight",
        "vision_to_language.out.bias", "vision_to_language.out.weight", "vision_to_language.query.bias",
        "vision_to_language.query.weight", "vision_to_language.value.bias", "vision_to_language.value.weight",
      ]).sorted())
  }

  func testTwinStreamExchangeHandCase() throws {
    let t = try Tensor([1, 2] as [Float], shape: [1, 2, 1, 1])
    let g = try Tensor([3, 4] as [Float], shape: [1, 2, 1, 1])
    let tk = try Tensor([0] as [Float], shape: [1, 1, 1, 1])  // σ = 0.5
    let gk = try Tensor([Float(log(3.0))], shape: [1, 1, 1, 1])  // σ = 0.75
    let (t2, g2) = try TwinStreamDecoder.exchange(target: t, background: g, targetMap: tk, backgroundMap: gk)
    XCTAssertEqual(try t2.scalars(as: Float.self), [1.25, 2.5])
    XCTAssertEqual(try g2.scalars(as: Float.self), [4.5, 6])
  }

  /// Stage outputs of the LAVT fixture's sizes: embed 16, 96×96 input.
  private func stages() throws -> [Tensor] {
    try [[2, 16, 24, 24], [2, 32, 12, 12], [2, 64, 6, 6], [2, 128, 3, 3]].map { try Tensor.randn($0) }
  }

  func testTwinStreamDecoderShapesAndNames() throws {
    let decoder = try TwinStreamDecoder(dims: [16, 32, 64, 128])
    let c = try stages()
    let out = try decoder.forward(c)
    XCTAssertEqual(out.logits.shape, [2, 2, 24, 24])
    XCTAssertEqual(out.features.shape, [2, 128, 24, 24])
    XCTAssertEqual(out.targetMaps.map(\.shape), [[2, 1, 6, 6], [2, 1, 12, 12], [2, 1, 24, 24]])
    XCTAssertEqual(out.backgroundMaps.map(\.shape), out.targetMaps.map(\.shape))
    // Each stream has SimpleDecoding's layers (names and shapes of the LAVT fixture's
    // `classifier.*`, without the classifier conv1_1).
    let fixture = try SafeTensors.read(parityFolder().appendingPathComponent("lavt_tiny.safetensors").path)
    var expected: [String: [Int]] = [:]
    for name in fixture.names where name.hasPrefix("param.classifier.") && !name.contains("conv1_1") {
      expected[String(name.dropFirst("param.classifier.".count))] = try XCTUnwrap(fixture.shape(of: name))
    }
    XCTAssertEqual(expected.count, 36)
    for stream in ["target", "background"] {
      let state = try decoder.stateDict().filter { $0.key.hasPrefix(stream + ".") }
      XCTAssertEqual(Dictionary(uniqueKeysWithValues: state.map { (String($0.key.dropFirst(stream.count + 1)), $0.value.shape) }), expected)
    }
  }

  func testTwinStreamDecoderGradientsReachEveryParameter() throws {
    let decoder = try TwinStreamDecoder(dims: [16, 32, 64, 128])
    let c = try stages()
    let out = try decoder.forward(c)
    let maps = try (out.targetMaps + out.backgroundMaps).reduce(out.logits.square().sum()) { try $0 + $1.square().sum() }
    try maps.backward()
    try assertGradientsReachEveryParameter(decoder)
  }
}
