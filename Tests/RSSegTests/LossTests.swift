import XCTest
import Torch
@testable import RSSeg
@testable import RSSegModels

/// Expected values computed with NumPy from the reference formulas (pytorch-toolbelt's
/// label-smoothed NLL and soft Dice, BiCoR-Seg's fisher_discriminative_loss).
final class LossTests: XCTestCase {
  /// B 1, N 3, 1×4 pixels; labels 0, 2, ignore (3), 1.
  private func example() throws -> (logits: Tensor, labels: Tensor) {
    let logits = try Tensor([1.0, -0.5, 0.3, 2.0, 0.2, 0.1, -1.0, 0.5, -0.3, 1.5, 0.7, 0.0] as [Float], shape: [1, 3, 1, 4])
    let labels = try Tensor([0, 2, 3, 1] as [Int64], shape: [1, 1, 4])
    return (logits, labels)
  }

  private func assertClose(_ t: Tensor, _ expected: [Double], accuracy: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws {
    let values = try t.scalars(as: Double.self)
    XCTAssertEqual(values.count, expected.count, file: file, line: line)
    for (a, b) in zip(values, expected) { XCTAssertEqual(a, b, accuracy: accuracy, file: file, line: line) }
  }

  func testSoftCrossEntropyIgnoredPixelsCountInTheMean() throws {
    let (logits, labels) = try example()
    let perPixel = try SoftCrossEntropyLoss(smoothing: 0.05, ignoreIndex: 3, reduction: .none)(logits, labels)
    XCTAssertEqual(perPixel.shape, [1, 1, 4])
    try assertClose(perPixel, [0.5784055416, 0.3801493656, 0, 1.7896890456])
    try assertClose(SoftCrossEntropyLoss(smoothing: 0.05, ignoreIndex: 3)(logits, labels), [0.6870609882])
    try assertClose(SoftCrossEntropyLoss(smoothing: 0.05, ignoreIndex: 3, reduction: .sum)(logits, labels), [2.7482439528])
  }

  func testDicePerClassAndAbsentClasses() throws {
    let (logits, labels) = try example()
    let perClass = try DiceLoss(smooth: 0.05, ignoreIndex: 3, reduction: .none)(logits, labels)
    try assertClose(perClass, [0.5084702782, 0.7711105141, 0.2629928239])
    try assertClose(DiceLoss(smooth: 0.05, ignoreIndex: 3)(logits, labels), [0.5141912054])
    // Class 1 absent from the labels: its loss is 0 but it still counts in the mean over N.
    let withoutClass1 = try Tensor([0, 2, 3, 0] as [Int64], shape: [1, 1, 4])
    try assertClose(DiceLoss(smooth: 0.05, ignoreIndex: 3, reduction: .none)(logits, withoutClass1), [0.2254198805, 0, 0.2629928239])
    try assertClose(DiceLoss(smooth: 0.05, ignoreIndex: 3)(logits, withoutClass1), [0.1628042348])
  }

  func testMainLossIsTheSum() throws {
    let (logits, labels) = try example()
    try assertClose(SoftCEDiceLoss(ignoreIndex: 3)(logits, labels), [0.6870609882 + 0.5141912054])
  }

  func testFisherDiscriminativeLoss() throws {
    let d = try Tensor([1, 0, 0, 1, 1, 1, 0.5, 0.5, 0, 2, 2, 1] as [Float], shape: [2, 3, 2])
    try assertClose(FisherDiscriminativeLoss()(d), [0.1086955955])
    // Equal class means: the between-class scatter is clamped to 1e-4.
    let same = try Tensor([1, 0, 1, 0, 0, 1, 0, 1] as [Float], shape: [2, 2, 2])
    try assertClose(FisherDiscriminativeLoss()(same), [4950.4950495], accuracy: 1e-2)
    XCTAssertThrowsError(try FisherDiscriminativeLoss()(Tensor.zeros([2, 1, 4])))
  }

  func testHeatmapSupervisionUpsamplesAndWeights() throws {
    let (logits, labels) = try example()
    // A constant 1×1 heatmap upsamples to the same constant at every pixel.
    let column = try logits.mean(dims: [2, 3], keepDim: true)
    let full = try column.expand([1, 3, 1, 4]).contiguous()
    let main = SoftCEDiceLoss(ignoreIndex: 3)
    let expected = try main(full, labels).double()
    let loss = try HeatmapSupervisionLoss(main: main, betas: [1, 0.5])([column, column], labels)
    XCTAssertEqual(try loss.double(), 1.5 * expected, accuracy: 1e-5)
  }

  func testBadShapesThrow() throws {
    let (logits, _) = try example()
    XCTAssertThrowsError(try SoftCrossEntropyLoss()(logits, Tensor.zeros([1, 2, 4], dtype: .int64)))
    XCTAssertThrowsError(try DiceLoss()(logits, Tensor.zeros([1, 1, 4])), "float labels are rejected")
  }
}
