import Foundation
import Raster
import Torch
import XCTest

@testable import RSSeg
@testable import RSSegModels

/// The referring evaluator's per-sample scores and outputs, and the overlay picture.
final class ReferringEvaluationTests: XCTestCase {
  func testEvaluatorScoresEverySampleOnceInOrder() throws {
    let tokenizer = try WordPieceTokenizer(vocabularyAt: TextTestPaths.minilm.appendingPathComponent("vocab.txt"))
    let loader = try SceneSamples.loader(scenes: 0..<3, size: 32, training: false, batchSize: 4, tokenizer: tokenizer)
    // A "network" that predicts the target itself for even samples and nothing for odd ones.
    var seen: [Int] = []
    var evaluator = ReferringEvaluator()
    let scores = try evaluator.run({ batch in
      let keep = try Tensor(batch.indices.map { Float($0 % 2 == 0 ? 1 : 0) }, shape: [batch.indices.count, 1, 1])
      let target = try batch.targets.to(.float32) * keep
      return try Tensor.stack([target.neg(), target], dim: 1)
    }, on: loader) { prediction in
      seen.append(prediction.index)
      XCTAssertEqual(prediction.intersection, prediction.index % 2 == 0 ? prediction.union : 0)
      XCTAssertEqual(prediction.mask.count, 32 * 32)
    }
    XCTAssertEqual(seen, Array(0..<loader.count))
    let even = (loader.count + 1) / 2
    XCTAssertEqual(scores.samples, loader.count)
    XCTAssertEqual(scores.meanIoU, Double(even) / Double(loader.count), accuracy: 1e-12)
    XCTAssertEqual(scores.hits, Array(repeating: even, count: 5))

    evaluator.maxSamples = 5
    XCTAssertEqual(try evaluator.run({ try Tensor.zeros([$0.indices.count, 2, 32, 32]) }, on: loader).samples, 5)
  }

  func testOverlayTintsThePredictionOutlinesTheTargetAndWritesTheSentence() throws {
    let (w, h) = (48, 48)
    var mask = [UInt8](repeating: 0, count: w * h), prediction = mask
    for y in 20..<30 { for x in 20..<30 { mask[y * w + x] = 1 } }
    for y in 32..<40 { for x in 5..<15 { prediction[y * w + x] = 1 } }
    let grey = [UInt8](repeating: 100, count: 3 * w * h)
    let picture = ReferringOverlay.render(
      LabeledImage(width: w, height: h, channels: 3, image: grey, mask: mask), prediction: prediction, sentence: "the red square")
    XCTAssertEqual([picture.width, picture.height, picture.bands], [240, 240, 3])  // enlarged 5×
    func rgb(_ x: Int, _ y: Int) -> [UInt8] { (0..<3).map { picture[$0, y * 5 + 2, x * 5 + 2] } }
    XCTAssertEqual(rgb(45, 45), [100, 100, 100])
    XCTAssertGreaterThan(rgb(10, 35)[0], 150)  // predicted: red
    XCTAssertLessThan(rgb(10, 35)[1], 100)
    XCTAssertEqual(rgb(20, 25), [40, 230, 60])  // target outline: green
    XCTAssertEqual(rgb(25, 25), [100, 100, 100])  // target inside: untouched
    // The caption band: darkened, with white glyph pixels.
    let band = (0..<12).flatMap { y in (0..<240).map { picture[0, y, $0] } }
    XCTAssertTrue(band.contains(255))
    XCTAssertTrue(band.contains(33))
  }
}
