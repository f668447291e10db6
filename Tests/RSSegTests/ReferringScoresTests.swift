import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class ReferringScoresTests: XCTestCase {
  /// Three samples by hand: IoU 3/4, 0/0 (counts as 0) and 9/10 (exactly at the 0.9 threshold).
  func testHandComputedScores() throws {
    var scores = ReferringScores()
    try scores.add(intersection: 3, union: 4)
    try scores.add(intersection: 0, union: 0)
    try scores.add(intersection: 9, union: 10)
    XCTAssertEqual(scores.samples, 3)
    XCTAssertEqual(scores.overallIoU, 12.0 / 14.0, accuracy: 1e-12)
    XCTAssertEqual(scores.meanIoU, (0.75 + 0 + 0.9) / 3, accuracy: 1e-12)
    XCTAssertEqual(scores.hits, [2, 2, 2, 1, 1])
    let percent = scores.percentages
    XCTAssertEqual(percent.map(\.name), ["oIoU", "mIoU", "P@0.5", "P@0.6", "P@0.7", "P@0.8", "P@0.9"])
    let want = [85.714285714, 55.0, 66.666666667, 66.666666667, 66.666666667, 33.333333333, 33.333333333]
    for (got, value) in zip(percent.map(\.value), want) { XCTAssertEqual(got, value, accuracy: 1e-8) }
    XCTAssertThrowsError(try scores.add(intersection: 5, union: 4))
    XCTAssertEqual(scores.samples, 3, "a rejected sample is not counted")
  }

  func testEmptyScoresAreZero() {
    let scores = ReferringScores()
    XCTAssertEqual(scores.percentages.map(\.value), [0, 0, 0, 0, 0, 0, 0])
  }

  /// Masks as buffers and as tensors (batched, any nonzero value is the object) agree.
  func testMasksAndTensors() throws {
    var fromArrays = ReferringScores()
    try fromArrays.add(predicted: [1, 1, 0, 0] as [UInt8], target: [1, 0, 1, 0] as [UInt8])  // I 1, U 3
    try fromArrays.add(predicted: [2, 2, 2, 0] as [Int], target: [1, 1, 1, 1] as [Int])  // I 3, U 4
    XCTAssertEqual(fromArrays.intersection, 4)
    XCTAssertEqual(fromArrays.union, 7)
    XCTAssertEqual(fromArrays.hits, [1, 1, 1, 0, 0])
    XCTAssertThrowsError(try fromArrays.add(predicted: [1, 0] as [UInt8], target: [1] as [UInt8]))

    var fromTensors = ReferringScores()
    let predicted = try Tensor([1, 1, 0, 0, 2, 2, 2, 0] as [Int64], shape: [2, 2, 2])
    let target = try Tensor([true, false, true, false, true, true, true, true], shape: [2, 2, 2])
    try fromTensors.add(predicted: predicted, target: try target.to(.int64))
    XCTAssertEqual(fromTensors, fromArrays)
    var single = ReferringScores()
    try single.add(predicted: try Tensor([1, 1, 0, 0] as [Int64], shape: [2, 2]), target: try Tensor([1, 0, 1, 0] as [Int64], shape: [2, 2]))
    XCTAssertEqual([single.samples, Int(single.intersection), Int(single.union)], [1, 1, 3])
    XCTAssertThrowsError(try single.add(predicted: predicted, target: try Tensor([1, 0] as [Int64], shape: [2])))
  }

  /// Merging partial scores equals scoring everything in one pass; sums rebuild the scores.
  func testMergeAndRebuild() throws {
    let samples = [(3, 4), (0, 0), (9, 10), (1, 7), (6, 6)]
    var all = ReferringScores()
    var first = ReferringScores(), second = ReferringScores()
    for (k, (i, u)) in samples.enumerated() {
      try all.add(intersection: i, union: u)
      if k < 2 { try first.add(intersection: i, union: u) } else { try second.add(intersection: i, union: u) }
    }
    var merged = first
    merged.merge(second)
    XCTAssertEqual(merged.samples, all.samples)
    XCTAssertEqual(merged.hits, all.hits)
    XCTAssertEqual(merged.meanIoU, all.meanIoU, accuracy: 1e-12)
    XCTAssertEqual(merged.overallIoU, all.overallIoU)
    let rebuilt = ReferringScores(
      samples: all.samples, intersection: all.intersection, union: all.union, iouSum: all.iouSum, hits: all.hits)
    XCTAssertEqual(rebuilt, all)
    XCTAssertEqual(all.hits, [3, 3, 3, 2, 2])
  }
}
