import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// D-MOLS masking statistics (seeded) and the reconstruction heads (BTDNet spec §3).
final class BTDNetDMOLSTests: XCTestCase {

  /// 4 sentences of 16 slots: [CLS] w… [SEP] padding, with 13, 7, 3 and 1 real words.
  private func sentences() throws -> (ids: Tensor, mask: Tensor) {
    var ids: [Int64] = []
    var mask: [Int64] = []
    for words in [13, 7, 3, 1] {
      let row = [101] + (0..<words).map { Int64(2000 + $0) } + [102]
      ids += row + Array(repeating: 0, count: 16 - row.count)
      mask += Array(repeating: 1, count: row.count) + Array(repeating: 0, count: 16 - row.count)
    }
    return (try Tensor(ids, shape: [4, 16]), try Tensor(mask, shape: [4, 16]))
  }

  func testMaskingOneBatch() throws {
    Torch.manualSeed(3)
    let images = try Tensor.randn([4, 3, 96, 96])
    let (ids, attention) = try sentences()
    let masked = try DualModalMasking()(images: images, ids: ids, tokenMask: attention)
    let samples = try masked.samples.scalars(as: Bool.self)
    XCTAssertEqual(samples.filter { $0 }.count, 2, "half of the batch")
    let idRows = try masked.ids.scalars(as: Int64.self)
    let original = try ids.scalars(as: Int64.self)
    let targets = try masked.wordTargets.scalars(as: Int64.self)
    for (b, isMasked) in samples.enumerated() {
      // 3×3 patches of 32×32: round(0.25·9) = 2 patches.
      let zeroed = try masked.pixelMask[b].sum().double()
      XCTAssertEqual(zeroed, isMasked ? 2 * 32 * 32 : 0)
      let kept = try (masked.images[b] - images[b] * (1 - masked.pixelMask[b])).abs().max().double()
      XCTAssertEqual(kept, 0)
      let realWords = [13, 7, 3, 1][b]
      let changed = (0..<16).filter { idRows[b * 16 + $0] != original[b * 16 + $0] }
      // round(0.15·n), at least 1: 13 → 2, 7 → 1, 3 → 1, 1 → 1.
      let expectedWords = [2, 1, 1, 1][b]
      XCTAssertEqual(changed.count, isMasked ? expectedWords : 0)
      for i in 0..<16 {
        let j = b * 16 + i
        if changed.contains(i) {
          XCTAssertTrue((1...realWords).contains(i), "only real words are masked")
          XCTAssertEqual(idRows[j], 103)
          XCTAssertEqual(targets[j], original[j])
        } else {
          XCTAssertEqual(targets[j], -100)
        }
      }
    }
  }

  func testMaskingStatisticsAreUniformAndSeeded() throws {
    let images = try Tensor.zeros([1, 3, 80, 64])  // 3×2 patches, the last row cut to 16 pixels
    let (allIDs, allMask) = try sentences()
    let (ids, attention) = (try allIDs[0...0], try allMask[0...0])
    let masking = DualModalMasking()
    Torch.manualSeed(11)
    var maskedSamples = 0
    var patchHits = [Int](repeating: 0, count: 6)
    var wordHits = [Int](repeating: 0, count: 16)
    let draws = 400
    for _ in 0..<draws {
      let m = try masking(images: images, ids: ids, tokenMask: attention)
      guard try m.samples[0].item() == .bool(true) else { continue }
      maskedSamples += 1
      let grid = try m.pixelMask[0, 0]
      for (k, (r, c)) in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)].enumerated() where try grid[r * 32, c * 32].double() == 1 {
        patchHits[k] += 1
      }
      for (i, t) in try m.wordTargets.scalars(as: Int64.self).enumerated() where t != -100 { wordHits[i] += 1 }
    }
    XCTAssertEqual(Double(maskedSamples) / Double(draws), 0.5, accuracy: 0.08)
    // round(0.25·6) = 2 patches per masked image, each patch equally likely (1/3).
    for hits in patchHits { XCTAssertEqual(Double(hits) / Double(maskedSamples), 1.0 / 3, accuracy: 0.1) }
    // round(0.15·13) = 2 of the 13 real words (positions 1…13), each with probability 2/13.
    XCTAssertEqual(wordHits[0], 0)
    XCTAssertEqual(wordHits[14...].reduce(0, +), 0)
    for hits in wordHits[1...13] { XCTAssertEqual(Double(hits) / Double(maskedSamples), 2.0 / 13, accuracy: 0.08) }

    Torch.manualSeed(5)
    let a = try masking(images: images, ids: ids, tokenMask: attention)
    Torch.manualSeed(5)
    let b = try masking(images: images, ids: ids, tokenMask: attention)
    XCTAssertTrue(try a.pixelMask.equal(b.pixelMask))
    XCTAssertTrue(try a.ids.equal(b.ids))
  }

  func testMaskingRejectsBadInputsAndRates() throws {
    let (ids, attention) = try sentences()
    XCTAssertThrowsError(try DualModalMasking()(images: Tensor.zeros([4, 3, 32]), ids: ids, tokenMask: attention))
    XCTAssertThrowsError(try DualModalMasking(wordFraction: 1.5).validate())
  }

  func testWordHeadIsTiedToTheEmbeddings() throws {
    Torch.manualSeed(1)
    let embeddings = try Tensor.randn([30, 6])
    let head = try WordReconstructionHead(vocabularySize: 30)
    try Torch.withNoGrad { try head.bias.set(4, to: 1.5) }
    let words = try Tensor.randn([2, 6, 5])
    let logits = try head(words: words, embeddings: embeddings)
    XCTAssertEqual(logits.shape, [2, 5, 30])
    try assertClose(logits, words.transpose(1, 2).matmul(embeddings.transpose(0, 1)) + head.bias, atol: 1e-5)
    XCTAssertEqual(try head.namedParameters().map(\.key), ["bias"], "the tied weight is not the head's own")
    XCTAssertThrowsError(try head(words: words, embeddings: Tensor.randn([31, 6])))
  }

  func testPixelHeadUpsamplesStride4Features() throws {
    let head = try PixelReconstructionHead(inChannels: 64)
    XCTAssertEqual(try head(Tensor.randn([2, 64, 6, 5])).shape, [2, 3, 24, 20])
    XCTAssertEqual(try head.namedParameters().map(\.key), ["proj.weight", "proj.bias"])
  }
}
