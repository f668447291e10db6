import XCTest
@testable import RSSeg
@testable import RSSegModels

final class MetricsTests: XCTestCase {
  /// 3 classes, ignore index 3. Truth/prediction pairs chosen so every score is easy by hand.
  func testScoresMatchHandComputation() throws {
    var m = ConfusionMatrix(classes: 3)
    let truth: [Int64] = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 3]
    let pred: [UInt8] = [0, 0, 0, 1, 1, 1, 2, 2, 0, 1, 2]
    try m.add(truth: truth, predicted: pred)
    // rows = truth: [3,1,0], [0,2,1], [1,0,1]; ignored pixels dropped.
    XCTAssertEqual(m.counts, [3, 1, 0, 0, 2, 1, 1, 0, 1])
    XCTAssertEqual(m.total, 9)
    let s = SegmentationScores(m, excluding: [2])
    XCTAssertEqual(s.overallAccuracy, 6.0 / 9.0, accuracy: 1e-12)
    // class 0: TP 3, FP 1, FN 1 → IoU 3/5, P 3/4, R 3/4, F1 3/4
    XCTAssertEqual(s.iou[0], 0.6, accuracy: 1e-12)
    XCTAssertEqual(s.f1[0], 0.75, accuracy: 1e-12)
    // class 1: TP 2, FP 1, FN 1 → IoU 2/4, F1 2/3
    XCTAssertEqual(s.iou[1], 0.5, accuracy: 1e-12)
    XCTAssertEqual(s.f1[1], 2.0 / 3.0, accuracy: 1e-12)
    // class 2: TP 1, FP 1, FN 1 → IoU 1/3, F1 1/2
    XCTAssertEqual(s.iou[2], 1.0 / 3.0, accuracy: 1e-12)
    XCTAssertEqual(s.precision[2], 0.5, accuracy: 1e-12)
    // means exclude class 2 (ISPRS Clutter rule)
    XCTAssertEqual(s.meanIoU, 0.55, accuracy: 1e-12)
    XCTAssertEqual(s.meanF1, (0.75 + 2.0 / 3.0) / 2, accuracy: 1e-12)
    XCTAssertEqual(s.meanClasses, [0, 1])
  }

  func testStreamingEqualsOneShotAndMerge() throws {
    var a = ConfusionMatrix(classes: 2), b = ConfusionMatrix(classes: 2), whole = ConfusionMatrix(classes: 2)
    try a.add(truth: [0, 1, 1] as [Int], predicted: [0, 0, 1] as [Int])
    try b.add(truth: [1, 0] as [Int], predicted: [1, 1] as [Int])
    try whole.add(truth: [0, 1, 1, 1, 0] as [Int], predicted: [0, 0, 1, 1, 1] as [Int])
    try a.merge(b)
    XCTAssertEqual(a, whole)
  }

  func testBadInputThrows() {
    var m = ConfusionMatrix(classes: 2)
    XCTAssertThrowsError(try m.add(truth: [0, 1] as [Int], predicted: [0] as [Int]))
    XCTAssertThrowsError(try m.add(truth: [0] as [Int], predicted: [5] as [Int])) { error in
      XCTAssertEqual(error as? MetricsError, .predictionOutOfRange(5, classes: 2))
    }
    XCTAssertThrowsError(try m.merge(ConfusionMatrix(classes: 3)))
  }

  func testEmptyClassesScoreZeroNotNaN() {
    let s = SegmentationScores(ConfusionMatrix(classes: 2))
    XCTAssertEqual(s.iou, [0, 0])
    XCTAssertEqual(s.overallAccuracy, 0)
  }
}
