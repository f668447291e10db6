import Foundation
import Raster
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// The trainer, the evaluators and the sliding-window predictor with the model on a device that
/// is not the CPU (the audit device: any tensor the pipeline leaves on the CPU beside a device
/// tensor fails the op). Their numbers match the CPU run's, so the device path computes the same
/// thing, not only something.
final class DeviceTrainingTests: XCTestCase {
  private var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-device-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    Torch.threads = 1
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

  /// Each step's logged loss terms (step, epoch, lr and the losses; not the timing).
  private func stepRows(_ run: String) throws -> [[Double]] {
    try String(contentsOf: root.appendingPathComponent("\(run)/steps.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
      .map { $0.split(separator: ",").dropLast().map { Double($0)! } }
  }

  private func assertClose(_ a: [[Double]], _ b: [[Double]], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    for (x, y) in zip(a, b) {
      for (u, v) in zip(x, y) { XCTAssertEqual(u, v, accuracy: 1e-3 * max(1, abs(v)), "\(what): \(x) vs \(y)", file: file, line: line) }
    }
  }

  func testSegmentationTrainingAndValidationOnTheDevice() throws {
    try TrainingFixtures.vaihingen(at: root.appendingPathComponent("data"))
    var config = TrainingFixtures.config(data: root.appendingPathComponent("data"))
    config.run.epochs = 1
    config.lr = 1e-3
    var metrics: [String: [String: Double]] = [:]
    for device in [Device.cpu, .audit] {
      config.run.device = .device(device)
      let (task, options, _) = try SegmentationTrainingTask.make(config)
      let trainer = try Trainer(task: task, options: options, folder: root.appendingPathComponent("\(device)"))
      XCTAssertEqual(trainer.device, device)
      XCTAssertTrue(try trainer.run().finished)
      XCTAssertTrue(try task.network.parameters().allSatisfy { $0.device == device })
      task.network.eval()
      metrics["\(device)"] = try Torch.withInferenceMode { try task.validate(on: device) }
    }
    assertClose(try stepRows("audit"), try stepRows("cpu"), "step losses")
    XCTAssertEqual(metrics["audit"]!["miou"]!, metrics["cpu"]!["miou"]!, accuracy: 1e-3)
  }

  func testReferringTrainingAndValidationOnTheDevice() throws {
    let tokenizer = try WordPieceTokenizer(vocabularyAt: TextTestPaths.minilm.appendingPathComponent("vocab.txt"))
    var config = ReferringTrainingConfig(dataset: "rrsisd", data: "", bert: "")
    (config.run.epochs, config.lr, config.run.progress) = (1, 1e-2, false)
    for device in [Device.cpu, .audit] {
      Torch.manualSeed(1)
      let model = try FiLMReferringNet(vocabulary: tokenizer.vocabulary.count)
      let task = try ReferringTrainingTask(
        model: model, loader: try SceneSamples.loader(scenes: 0..<4, size: 32, training: true, batchSize: 4, tokenizer: tokenizer),
        validation: try SceneSamples.loader(scenes: 4..<5, size: 32, training: false, batchSize: 4, tokenizer: tokenizer),
        classWeights: [0.9, 1.1], save: { path in try SafeTensors.write(try model.orderedStateDict(), metadata: [:], to: path) })
      var options = config.trainerOptions
      options.run.device = .device(device)
      XCTAssertTrue(try Trainer(task: task, options: options, folder: root.appendingPathComponent("ref-\(device)")).run().finished)
    }
    assertClose(try stepRows("ref-audit"), try stepRows("ref-cpu"), "referring step losses")
    let epochs = try String(contentsOf: root.appendingPathComponent("ref-audit/epochs.csv"), encoding: .utf8)
    XCTAssertTrue(epochs.contains("val_oIoU"), epochs)
  }

  func testSlidingWindowPredictionOnTheDevice() throws {
    let scene = try SceneReader(
      dataset: RasterDataset(path: PredictFixtures.scene(width: 90, height: 70, in: root)), bands: [0, 1, 2])
    let config = BiCoRSegConfig(
      encoder: ConvNeXtConfig(dims: [8, 16, 24, 32], depths: [1, 1, 1, 1]), embedDim: 16, classes: 4, layers: 2,
      topkRatio: 0.02, minPixels: 16)
    let cpu = try BiCoRSeg(config)
    let device = try BiCoRSeg(config)
    _ = try device.loadStateDict(cpu.stateDict(), strict: true)
    try device.to(.audit)
    for model in [cpu, device] { model.eval() }
    var options = SlidingWindowOptions(tile: 64, overlap: 16, batch: 2, tta: .flips)
    let expected = try PredictSlidingWindowTests.slide(cpu, scene, options)
    options.device = .audit
    let got = try PredictSlidingWindowTests.slide(device, scene, options)
    XCTAssertEqual(got.device, .cpu, "blending stays on the host")
    XCTAssertLessThan(try (got - expected).abs().max().double(), 1e-4)
  }
}
