import Torch
import XCTest
@testable import RSSegModels

/// The scene dictionary of BiCoR-Seg (`BiCoRSeg+SceneDictionary.swift`): a window's own evidence
/// reproduces the plain forward, another's changes it, and the evidence pools as the layer pools.
final class BiCoRSegSceneDictionaryTests: XCTestCase {
  private func model(topkRatio: Double) throws -> BiCoRSeg {
    Torch.manualSeed(11)
    let model = try BiCoRSeg(
      BiCoRSegConfig(
        encoder: ConvNeXtConfig(dims: [16, 32, 64, 128], depths: [1, 1, 1, 1]), embedDim: 32, classes: 5, layers: 2,
        topkRatio: topkRatio, minPixels: 16))
    model.eval()
    return model
  }

  private func maxDifference(_ a: Tensor, _ b: Tensor) throws -> Double { try (a - b).abs().amax().double() }

  func testOwnEvidenceGivesThePlainForward() throws {
    for ratio in [1.0, 0.25] {
      let model = try model(topkRatio: ratio)
      let x = try Tensor.randn([1, 3, 64, 96])
      let evidence = try model.dictionaryEvidence(x)
      XCTAssertEqual(evidence.shape, [1, 2, 5, 33])
      let plain = try model.forward(x)
      let shared = try model.forward(x, dictionary: BiCoRSeg.dictionary(evidence: evidence[0]))
      let scale = try plain.seg.abs().amax().double()
      XCTAssertLessThan(try maxDifference(plain.seg, shared.seg), 1e-4 * scale, "top-k ratio \(ratio)")
      for (a, b) in zip(plain.heatmaps, shared.heatmaps) { XCTAssertLessThan(try maxDifference(a, b), 1e-4 * scale) }
    }
  }

  func testAnotherWindowsDictionaryChangesTheLogits() throws {
    let model = try model(topkRatio: 1)
    let (x, other) = (try Tensor.randn([1, 3, 64, 64]), try Tensor.randn([1, 3, 64, 64]) * 3.0)
    let plain = try model.forward(x).seg
    let borrowed = try model.forward(x, dictionary: BiCoRSeg.dictionary(evidence: model.dictionaryEvidence(other)[0])).seg
    XCTAssertGreaterThan(try maxDifference(plain, borrowed), 1e-3 * (try plain.abs().amax().double()))
  }

  func testAWrongDictionaryIsRefused() throws {
    let model = try model(topkRatio: 1)
    XCTAssertThrowsError(try model.forward(Tensor.randn([1, 3, 64, 64]), dictionary: Tensor.zeros([1, 5, 32]))) {
      XCTAssertTrue("\($0)".contains("[2, 5, 32]"), "\($0)")
    }
  }

  /// Numerator over denominator is the layer's pooling, top-k and fallback included.
  func testEvidenceIsThePoolingBeforeNormalisation() throws {
    let layer = try HBISLayer(config: BiCoRSegConfig(classes: 2, layers: 1, topkRatio: 0.5, minPixels: 1))
    let heat = try Tensor([0.1, 0.4, 0.3, 0.2, 0, 0, 0, 0] as [Float], shape: [1, 2, 4])
    let values = try Tensor.randn([1, 3, 4])
    let evidence = try layer.evidence(heat, values: values)
    XCTAssertEqual(evidence.shape, [1, 2, 4])
    let pooled = try BiCoRSeg.dictionary(evidence: evidence)  // the batch of one read as one layer
    let expected = try layer.poolingWeights(heat).matmul(values.transpose(1, 2))
    XCTAssertLessThan(try maxDifference(pooled, expected), 1e-5)
    XCTAssertEqual(try evidence[0, 0, 3].double(), 0.7, accuracy: 1e-6, "class 0 keeps its top 2 of 4 pixels")
  }
}
