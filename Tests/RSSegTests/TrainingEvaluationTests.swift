import Foundation
import Raster
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// Scoring of mask files, the evaluator with each test-time augmentation, and the outputs.
final class TrainingEvaluationTests: XCTestCase {
  private var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-eval-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

  private func png(_ values: [UInt8], width: Int, _ path: URL) throws {
    try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
    try PNGWriter.write(RasterBuffer(width: width, height: values.count / width, bands: 1, values: values), to: path.path)
  }

  /// Two 4×2 masks scored by hand. Truth (ignore = 6 left out) and predictions:
  /// a: truth 0 0 1 1 / 2 2 5 6, pred 0 1 1 1 / 2 3 5 0; b: truth 4 4 4 4 / 0 0 0 0, pred 4 4 4 0 / 0 0 0 0.
  func testScoresHandMadeMasks() throws {
    try png([0, 0, 1, 1, 2, 2, 5, 6], width: 4, root.appendingPathComponent("gt/a.png"))
    try png([4, 4, 4, 4, 0, 0, 0, 0], width: 4, root.appendingPathComponent("gt/b.png"))
    try png([0, 1, 1, 1, 2, 3, 5, 0], width: 4, root.appendingPathComponent("pred/a.png"))
    try png([4, 4, 4, 0, 0, 0, 0, 0], width: 4, root.appendingPathComponent("pred/b.png"))
    let (matrix, images) = try MaskScoring.score(
      kind: .vaihingen, predictions: root.appendingPathComponent("pred"), groundTruth: root.appendingPathComponent("gt"))
    XCTAssertEqual(images, 2)
    XCTAssertEqual(matrix.total, 15)
    let report = EvaluationReport(dataset: "vaihingen", images: 2, matrix: matrix, classes: .isprs, excluding: [5], tta: "none")
    // Class 0: TP 5 (1 + 4), FP 1 (4→0), FN 1 (0→1): IoU 5/7, F1 10/12.
    XCTAssertEqual(report.IoU["ImSurf"]!, 5.0 / 7, accuracy: 1e-12)
    XCTAssertEqual(report.F1["ImSurf"]!, 10.0 / 12, accuracy: 1e-12)
    // Building: TP 2, FP 1: IoU 2/3. LowVeg: TP 1, FN 1: 1/2. Tree: FP 1: 0. Car: TP 3, FN 1: 3/4.
    XCTAssertEqual(report.IoU["Building"]!, 2.0 / 3, accuracy: 1e-12)
    XCTAssertEqual(report.IoU["LowVeg"]!, 0.5, accuracy: 1e-12)
    XCTAssertEqual(report.IoU["Tree"]!, 0)
    XCTAssertEqual(report.IoU["Car"]!, 0.75, accuracy: 1e-12)
    XCTAssertEqual(report.IoU["Clutter"]!, 1)
    XCTAssertEqual(report.mIoU, (5.0 / 7 + 2.0 / 3 + 0.5 + 0 + 0.75) / 5, accuracy: 1e-12)
    XCTAssertEqual(report.OA, 12.0 / 15, accuracy: 1e-12)
    XCTAssertEqual(report.excluded, ["Clutter"])
    let json = try report.json()
    for key in ["\"OA\"", "\"mIoU\"", "\"mF1\"", "\"IoU\"", "\"F1\""] { XCTAssertTrue(json.contains(key), key) }
  }

  /// The official ISPRS labels are RGB (Car 255,255,0); the eroded "noBoundary" variant marks
  /// boundary pixels black. Scored as RGB they give what the index masks give, black left out.
  func testScoresOfficialISPRSColourLabels() throws {
    try png([0, 0, 1, 1, 2, 2, 5, 6], width: 4, root.appendingPathComponent("gt/a.png"))
    try png([4, 4, 4, 4, 0, 0, 0, 0], width: 4, root.appendingPathComponent("gt/b.png"))
    try png([0, 1, 1, 1, 2, 3, 5, 0], width: 4, root.appendingPathComponent("pred/a.png"))
    try png([4, 4, 4, 0, 0, 0, 0, 0], width: 4, root.appendingPathComponent("pred/b.png"))
    let official: [[UInt8]] = [[255, 255, 255], [0, 0, 255], [0, 255, 255], [0, 255, 0], [255, 255, 0], [255, 0, 0], [0, 0, 0]]
    for name in ["a", "b"] {
      let indices = try RasterDataset(path: root.appendingPathComponent("gt/\(name).png").path).read(UInt8.self).values
      let rgb = (0..<3).flatMap { c in indices.map { official[Int($0)][c] } }
      try FileManager.default.createDirectory(at: root.appendingPathComponent("rgb"), withIntermediateDirectories: true)
      try PNGWriter.write(RasterBuffer(width: 4, height: 2, bands: 3, values: rgb), to: root.appendingPathComponent("rgb/\(name)_noBoundary.png").path)
      try FileManager.default.moveItem(at: root.appendingPathComponent("pred/\(name).png"), to: root.appendingPathComponent("pred/\(name)_noBoundary.png"))
    }
    let (matrix, images) = try MaskScoring.score(
      kind: .vaihingen, predictions: root.appendingPathComponent("pred"), groundTruth: root.appendingPathComponent("rgb"))
    XCTAssertEqual(images, 2)
    XCTAssertEqual(matrix.total, 15, "the black boundary pixel is left out")
    let report = EvaluationReport(dataset: "vaihingen", images: 2, matrix: matrix, classes: .isprs, excluding: [5], tta: "none")
    XCTAssertEqual(report.IoU["Car"]!, 0.75, accuracy: 1e-12)
    XCTAssertEqual(report.OA, 12.0 / 15, accuracy: 1e-12)
    // A colour that is no class is named with the file.
    try PNGWriter.write(
      RasterBuffer(width: 4, height: 2, bands: 3, values: [UInt8](repeating: 7, count: 24)), to: root.appendingPathComponent("rgb/a_noBoundary.png").path)
    XCTAssertThrowsError(
      try MaskScoring.score(kind: .vaihingen, predictions: root.appendingPathComponent("pred"), groundTruth: root.appendingPathComponent("rgb"))
    ) { error in XCTAssertTrue("\(error)".contains("a_noBoundary.png") && "\(error)".contains("7"), "\(error)") }
  }

  func testScoringNamesAMissingPrediction() throws {
    try png([0, 0, 1, 1], width: 2, root.appendingPathComponent("gt/a.png"))
    try png([0, 0, 1, 1], width: 2, root.appendingPathComponent("pred/other.png"))
    XCTAssertThrowsError(
      try MaskScoring.score(kind: .loveda, predictions: root.appendingPathComponent("pred"), groundTruth: root.appendingPathComponent("gt"))
    ) { error in XCTAssertTrue("\(error)".contains("no prediction for ground truth"), "\(error)") }
  }

  /// A per-pixel model (a 1×1 convolution) commutes with flips and quarter turns, so `lr` and
  /// Vaihingen's flips × rot90 average to the plain logits; scales change them only slightly.
  func testTestTimeAugmentationModes() throws {
    Torch.manualSeed(3)
    let conv = try Conv2d(3, 4, kernelSize: 1)
    let x = try Tensor.randn([2, 3, 64, 96])
    let plain = try Torch.withInferenceMode { try conv(x) }
    for mode in [TestTimeAugmentation.Mode.none, .lr] {
      let tta = SegmentationBenchmark.vaihingen.augmentation(mode)
      let y = try Torch.withInferenceMode { try tta.logits(x) { try conv($0) } }
      XCTAssertLessThan(try (y - plain).abs().max().double(), 1e-5, mode.rawValue)
    }
    let rotations = TestTimeAugmentation(horizontalFlip: true, verticalFlip: true, rotations: [0, 1])
    XCTAssertEqual(rotations.passes, 8)
    let rotated = try Torch.withInferenceMode { try rotations.logits(x) { try conv($0) } }
    XCTAssertLessThan(try (rotated - plain).abs().max().double(), 1e-5)
    XCTAssertEqual(SegmentationBenchmark.vaihingen.augmentation(.d4).passes, 40)
    XCTAssertEqual(SegmentationBenchmark.potsdam.augmentation(.d4).passes, 16)
    XCTAssertEqual(SegmentationBenchmark.loveda.augmentation(.d4).passes, 8)
    XCTAssertEqual(TestTimeAugmentation.forScenes(.d4).passes, 8)
    // On a smooth image the scales (resized and back) stay close to the plain logits.
    let smooth = try Functional.interpolate(try Tensor.randn([2, 3, 4, 6]), size: [64, 96], mode: .bilinear)
    let smoothPlain = try Torch.withInferenceMode { try conv(smooth) }
    let d4 = try Torch.withInferenceMode { try SegmentationBenchmark.vaihingen.augmentation(.d4).logits(smooth) { try conv($0) } }
    XCTAssertEqual(d4.shape, plain.shape)
    XCTAssertLessThan(try (d4 - smoothPlain).abs().mean().double(), 0.05)
    XCTAssertNil(TestTimeAugmentation.Mode(rawValue: "d8"))
  }

  func testEvaluatorPadsOddSizesAndReportsPredictions() throws {
    var evaluator = SegmentationEvaluator(classes: .isprs, normalization: .imageNet)
    evaluator.tta = .flips
    let images = try Tensor.randn([1, 3, 40, 50])
    var shapes: [[Int]] = []
    let prediction = try evaluator.predict({ x in shapes.append(x.shape); return try Tensor.zeros([x.shape[0], 6] + Array(x.shape[2...])) }, images)
    XCTAssertEqual(prediction.count, 40 * 50)
    XCTAssertTrue(shapes.allSatisfy { $0 == [1, 3, 64, 64] }, "\(shapes)")
  }

  func testZipChecksumAndConfusionLegend() throws {
    XCTAssertEqual(Data("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) }, 0xCBF4_3926)
    var matrix = ConfusionMatrix(classes: 2)
    try matrix.add(truth: [0, 0, 1, 1], predicted: [0, 1, 1, 1])
    let legend = EvaluationOutputs.confusionLegend(matrix, classNames: ["a", "b"])
    XCTAssertTrue(legend.contains("a\t50.00\t50.00"), legend)
    XCTAssertTrue(legend.contains("b\t0.00\t100.00"), legend)
    let path = root.appendingPathComponent("confusion.png").path
    try EvaluationOutputs.writeConfusionImage(matrix, to: path, cell: 4)
    let image = try RasterDataset(path: path)
    XCTAssertEqual([image.width, image.height, image.bandCount], [11, 11, 3])
  }
}
