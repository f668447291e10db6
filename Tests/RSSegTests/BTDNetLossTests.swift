import Foundation
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// BTDNet's loss terms (spec §3).
final class BTDNetLossTests: XCTestCase {
  override func setUp() { Torch.manualSeed(2) }

  private func example() throws -> (logits: Tensor, target: Tensor) {
    (try Tensor.randn([2, 2, 8, 8]), try Tensor.randint(0, 2, [2, 8, 8]))
  }

  func testAllOffWithoutDiceIsLAVTsWeightedCrossEntropy() throws {
    let (logits, target) = try example()
    var weights = BTDNetLossWeights()
    weights.dice = 0
    let terms = try BTDNetLoss(weights: weights)(logits: logits, outputs: BTDNetOutputs(), target: target)
    XCTAssertEqual(terms.map(\.name), ["ce", "total"])
    let expected = try Functional.crossEntropy(logits, target: target, weight: Tensor([0.9, 1.1] as [Float]))
    try assertClose(terms[1].value, expected)
  }

  func testTotalIsTheWeightedSumOfTheNamedTerms() throws {
    let (logits, target) = try example()
    var outputs = BTDNetOutputs()
    outputs.targetMaps = try [[2, 1, 2, 2], [2, 1, 4, 4]].map { try Tensor.randn($0) }
    outputs.backgroundMaps = try [[2, 1, 2, 2], [2, 1, 4, 4]].map { try Tensor.randn($0) }
    outputs.correlationMaps = try [[2, 1, 8, 8], [2, 1, 4, 4]].map { try Tensor.randn($0) }
    let images = try Tensor.randn([2, 3, 8, 8])
    outputs.masking = try DualModalMasking(sampleFraction: 1, patchSize: 4)(
      images: images, ids: Tensor([101, 5, 6, 102, 101, 7, 102, 0] as [Int64], shape: [2, 4]),
      tokenMask: Tensor([1, 1, 1, 1, 1, 1, 1, 0] as [Int64], shape: [2, 4]))
    outputs.wordLogits = try Tensor.randn([2, 4, 110])
    outputs.pixelReconstruction = try Tensor.randn([2, 3, 8, 8])
    outputs.originalImages = images
    let terms = try BTDNetLoss()(logits: logits, outputs: outputs, target: target)
    XCTAssertEqual(terms.map(\.name), ["ce", "dice", "twin", "correlation", "words", "pixels", "total"])
    let v = Dictionary(uniqueKeysWithValues: try terms.map { ($0.name, try $0.value.double()) })
    let sum = v["ce"]! + 0.1 * v["dice"]! + 0.3 * v["twin"]! + 0.1 * v["correlation"]! + 0.1 * v["words"]! + 0.1 * v["pixels"]!
    XCTAssertEqual(v["total"]!, sum, accuracy: 1e-5)
    // The twin term by hand: the 2×2 map sees M subsampled (nearest) from 8×8.
    let m = try target.unsqueeze(1).to(.float32)
    let m2 = try m[.all, .all, .stride(0..<8, by: 4), .stride(0..<8, by: 4)]
    let m4 = try m[.all, .all, .stride(0..<8, by: 2), .stride(0..<8, by: 2)]
    func bce(_ x: Tensor, _ y: Tensor) throws -> Double { try Functional.binaryCrossEntropyWithLogits(x, target: y).double() }
    let twin =
      (try bce(outputs.targetMaps[0], m2) + bce(outputs.backgroundMaps[0], 1 - m2)
        + bce(outputs.targetMaps[1], m4) + bce(outputs.backgroundMaps[1], 1 - m4)) / 2
    XCTAssertEqual(v["twin"]!, twin, accuracy: 1e-5)
  }

  func testMaskedWordLossOnlyCountsMaskedPositions() throws {
    let logits = try Tensor([1, 0, 0, 0, 2, 0] as [Float], shape: [1, 2, 3])
    let loss = try BTDNetLoss.maskedWordLoss(logits, targets: Tensor([-100, 1] as [Int64], shape: [1, 2]))
    XCTAssertEqual(try loss.double(), log(1 + 2 * exp(-2.0)), accuracy: 1e-6)
    let none = try BTDNetLoss.maskedWordLoss(logits.requiresGrad(true), targets: Tensor([-100, -100] as [Int64], shape: [1, 2]))
    XCTAssertEqual(try none.double(), 0)
    XCTAssertTrue(none.requiresGrad)
  }

  func testMaskedPixelLossWeightsObjectPixels() throws {
    // Reconstruction 1, 3, 5, 7 on the 2×2 pixels (every channel), originals 0; the top row is
    // masked, the left column is the object.
    let reconstruction = try Tensor([1, 3, 5, 7] as [Float], shape: [1, 1, 2, 2]).expand([1, 3, 2, 2])
    let originals = try Tensor.zeros([1, 3, 2, 2])
    let pixelMask = try Tensor([1, 1, 0, 0] as [Float], shape: [1, 1, 2, 2])
    let object = try Tensor([1, 0, 1, 0] as [Float], shape: [1, 1, 2, 2])
    let weighted = try BTDNetLoss.maskedPixelLoss(reconstruction, originals: originals, pixelMask: pixelMask, target: object, objectWeight: 2)
    XCTAssertEqual(try weighted.double(), (2.0 * 1 + 1 * 3) / 3, accuracy: 1e-6)
    let plain = try BTDNetLoss.maskedPixelLoss(reconstruction, originals: originals, pixelMask: pixelMask, target: object, objectWeight: 1)
    XCTAssertEqual(try plain.double(), 2, accuracy: 1e-6)
    let nothing = try BTDNetLoss.maskedPixelLoss(
      reconstruction, originals: originals, pixelMask: Tensor.zeros([1, 1, 2, 2]), target: object, objectWeight: 2)
    XCTAssertEqual(try nothing.double(), 0)
  }

  func testWeightsDecodeFromJSONWithDefaults() throws {
    let settings = try JSONDecoder().decode(
      BTDNetSettings.self, from: Data(#"{"loss": {"twin": 0.5}, "masking": {"mask_token_id": 4, "patch_size": 16}}"#.utf8))
    XCTAssertEqual(settings.loss.twin, 0.5)
    XCTAssertEqual(settings.loss.dice, 0.1)
    XCTAssertEqual(settings.masking.patchSize, 16)
    XCTAssertEqual(settings.masking.tokens, DualModalMasking.TokenIDs(cls: 101, sep: 102, mask: 4))
    XCTAssertEqual(try JSONDecoder().decode(BTDNetSettings.self, from: JSONEncoder().encode(settings)), settings)
    var negative = BTDNetSettings()
    negative.loss.pixels = -1
    XCTAssertThrowsError(try negative.validate())
  }
}
