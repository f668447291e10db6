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

  /// `auto` is bf16 exactly where the CPU has native bf16; autocast then runs a matrix product
  /// in bfloat16.
  func testPrecisionAutoFollowsTheCPU() throws {
    XCTAssertEqual(Precision.auto.resolved(), Torch.cpuHasBF16 ? .bf16 : .fp32)
    XCTAssertEqual(Precision.fp32.resolved(), .fp32)
    XCTAssertEqual(Precision.bf16.resolved(), .bf16)
    XCTAssertEqual(Precision.fp16.resolved(on: .cuda(0)), .fp16)
    XCTAssertEqual(Precision.auto.resolved(on: .audit), .fp32)
    let x = try Tensor.randn([4, 4])
    XCTAssertEqual(try Precision.bf16.run { try x.matmul(x) }.dtype, .bfloat16)
    XCTAssertEqual(try Precision.fp16.run { try x.matmul(x) }.dtype, .float16)
    XCTAssertEqual(try Precision.fp32.run { try x.matmul(x) }.dtype, .float32)
    XCTAssertEqual(try Precision.fp32.run { try x.matmul(x) }.dtype, .float32)
    XCTAssertEqual(try Precision.auto.run { try x.matmul(x) }.dtype, Torch.cpuHasBF16 ? .bfloat16 : .float32)
  }

  func testZipChecksum() throws {
    XCTAssertEqual(Data("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) }, 0xCBF4_3926)
  }

  /// The confusion picture carries its title, axis names, class names and percentages: cells
  /// hold dark text on light shades and white text on dark ones.
  func testConfusionPictureIsLabelled() throws {
    var matrix = ConfusionMatrix(classes: 2)
    try matrix.add(truth: [0, 0, 1, 1], predicted: [0, 1, 1, 1])
    let path = root.appendingPathComponent("confusion.png").path
    try EvaluationOutputs.writeConfusionImage(matrix, classNames: ["Building", "Water"], title: "dubai - m - test", to: path, cell: 48)
    let image = try RasterDataset(path: path).read(UInt8.self)
    let names = BitmapFont.width(of: "Building")
    let grid = 2 * 48 + 3
    XCTAssertEqual(image.width, 8 + 9 + 4 + names + 4 + grid + 8)
    XCTAssertEqual(image.height, 8 + 9 + 4 + 9 + names + 4 + grid + 8)
    func dark(_ x: Int, _ y: Int, _ w: Int, _ h: Int) -> Int {
      (y..<(y + h)).reduce(0) { sum, yy in sum + (x..<(x + w)).filter { image[0, yy, $0] < 128 }.count }
    }
    XCTAssertGreaterThan(dark(8, 8, BitmapFont.width(of: "dubai - m - test"), 7), 20, "title")
    let (left, top) = (8 + 9 + 4 + names + 4, 8 + 9 + 4 + 9 + names + 4)
    XCTAssertGreaterThan(dark(left - 4 - names, top + 1 + 20, names, 7), 20, "row name")
    XCTAssertGreaterThan(dark(left + 1 + 20, top - 4 - names, 7, names), 20, "column name, upward")
    // Row "Building" is 50/50: light blue with dark "50.0"; row "Water" is 0/100: the 100 % cell is dark with white text.
    let lightCell = (x: left + 1, y: top + 1), darkCell = (x: left + 1 + 49, y: top + 1 + 49)
    XCTAssertGreaterThan(image[0, lightCell.y + 2, lightCell.x + 2], 128)
    XCTAssertGreaterThan(dark(lightCell.x + 10, lightCell.y + 20, 28, 7), 10, "50.0 written")
    XCTAssertLessThan(image[0, darkCell.y + 2, darkCell.x + 2], 20)
    let whiteText = (darkCell.y + 20..<darkCell.y + 27).reduce(0) { n, y in n + (darkCell.x + 8..<darkCell.x + 40).filter { image[0, y, $0] == 255 }.count }
    XCTAssertGreaterThan(whiteText, 10, "100.0 written in white")
  }
}
