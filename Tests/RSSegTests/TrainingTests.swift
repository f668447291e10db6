import Foundation
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// The trainer on a learnable generated dataset with a tiny BiCoR-Seg: it learns, and a run
/// stopped mid-epoch and resumed ends with exactly the weights of an uninterrupted run.
final class TrainingTests: XCTestCase {
  private var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-train-\(UUID().uuidString)")
    try TrainingFixtures.vaihingen(at: root.appendingPathComponent("data"))
    Torch.threads = 1
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

  func testTinyBiCoRSegLearnsClearlyBetterThanChance() throws {
    var config = TrainingFixtures.config(data: root.appendingPathComponent("data"))
    config.run.epochs = 40
    config.lr = 2e-3
    config.run.validateEvery = 10
    let (task, options, warnings) = try SegmentationTrainingTask.make(config)
    XCTAssertTrue(warnings.contains { $0.contains("ImageNet") })
    let before = try task.validate(on: .cpu)
    let trainer = try Trainer(task: task, options: options, folder: root.appendingPathComponent("run"))
    let outcome = try trainer.run()
    XCTAssertTrue(outcome.finished)
    XCTAssertEqual(outcome.step, 40 * 4)
    task.network.eval()
    let after = try Torch.withInferenceMode { try task.validate(on: .cpu) }
    // Five equally likely classes: chance mIoU is about 0.1. Measured over seeds 1–4 (AVX-512
    // CPU): 0.78, 0.82, 0.90, 0.89, so 0.5 is 0.28 below the lowest run (about 5 standard
    // deviations of the seed-to-seed spread) and 0.4 above chance.
    XCTAssertGreaterThan(after["miou"]!, 0.5, "before \(before), after \(after)")
    XCTAssertEqual(outcome.best.count, 1)
    let epochs = try String(contentsOf: root.appendingPathComponent("run/epochs.csv"), encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(epochs.count, 41)
    XCTAssertTrue(epochs[0].hasPrefix("epoch,step,lr,total,seg_aux,heatmap,fisher_layers,images_per_s"), String(epochs[0]))
    XCTAssertTrue(epochs[10].contains(",0."), "validation columns: \(epochs[10])")
  }

  func testStoppedAndResumedRunEndsWithTheSameWeights() throws {
    try assertResumeIsExact(precision: .fp32)
  }

  /// bf16 autocast with activation checkpointing: the recomputation in backward leaves no cast
  /// weights behind for the next step (it did before: resume then differed from a straight run).
  func testStoppedAndResumedBF16RunEndsWithTheSameWeights() throws {
    try assertResumeIsExact(precision: .bf16)
  }

  /// fp16 autocast with dynamic loss scaling: the scaler's state travels in the checkpoint.
  func testStoppedAndResumedFP16RunEndsWithTheSameWeightsAndScale() throws {
    try assertResumeIsExact(precision: .fp16)
    let rows = try String(contentsOf: root.appendingPathComponent("straight/steps.csv"), encoding: .utf8).split(separator: "\n")
    XCTAssertTrue(rows[0].contains("loss_scale"), String(rows[0]))
  }

  private func assertResumeIsExact(precision: Precision) throws {
    var config = TrainingFixtures.config(data: root.appendingPathComponent("data"))
    config.run.precision = precision
    config.run.device = .device(.cpu)
    config.run.epochs = 2
    config.lr = 1e-3
    config.encoderDepths = [1, 1, 2, 1]  // stochastic depth draws from the reseeded generator

    func finalWeights(_ run: String) throws -> [(String, Tensor)] {
      let folder = root.appendingPathComponent(run)
      let store = CheckpointStore(run: folder)
      return try SafeTensors.read(store.path(store.last!).appendingPathComponent(CheckpointStore.modelFile).path).tensors()
    }

    let (straightTask, options, _) = try SegmentationTrainingTask.make(config)
    XCTAssertEqual(straightTask.batchesPerEpoch, 4)
    let straight = try Trainer(task: straightTask, options: options, folder: root.appendingPathComponent("straight")).run()
    XCTAssertEqual(straight.step, 8)

    var stopping = options
    stopping.run.maxSteps = 3  // mid-epoch, as after SIGINT
    let first = try Trainer(task: try SegmentationTrainingTask.make(config).task, options: stopping, folder: root.appendingPathComponent("resumed")).run()
    XCTAssertFalse(first.finished)
    XCTAssertEqual(first.step, 3)
    let resumedTrainer = try Trainer(task: try SegmentationTrainingTask.make(config).task, options: options, folder: root.appendingPathComponent("resumed"))
    try resumedTrainer.resume()
    XCTAssertEqual(resumedTrainer.step, 3)
    XCTAssertEqual(resumedTrainer.batchInEpoch, 3)
    let resumed = try resumedTrainer.run()
    XCTAssertTrue(resumed.finished)
    XCTAssertEqual(resumed.step, 8)

    let a = try finalWeights("straight"), b = try finalWeights("resumed")
    XCTAssertEqual(a.map(\.0), b.map(\.0))
    var differing: [String] = []
    for ((name, x), (_, y)) in zip(a, b) where try x.bytes() != y.bytes() { differing.append(name) }
    XCTAssertEqual(differing, [], "tensors differ after resume")
    // The step logs of both runs agree row for row (losses and learning rates).
    let log = { (run: String) in try String(contentsOf: self.root.appendingPathComponent("\(run)/steps.csv"), encoding: .utf8) }
    let straightRows = try log("straight").split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
    let resumedRows = try log("resumed").split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
    XCTAssertEqual(straightRows, resumedRows)
  }

  func testConfigFileAndOverrides() throws {
    let file = root.appendingPathComponent("run.yaml")
    try "dataset: loveda\ndata: data\nepochs: 3\nprecision: fp32\nimagenet: w.pth\n".write(to: file, atomically: true, encoding: .utf8)
    let config = try SegmentationTrainingConfig.load(
      path: file.path, overrides: ["epochs=5", "precision=bf16", "lr=1e-4", "encoder_dims=[8, 16, 24, 32]", "imagenet=null"])
    XCTAssertNil(config.imagenet)
    XCTAssertEqual(config.dataset, "loveda")
    XCTAssertEqual(config.data, root.appendingPathComponent("data").standardized.path)
    XCTAssertEqual(config.run.epochs, 5)
    XCTAssertEqual(config.run.precision, .bf16)
    XCTAssertEqual(config.lr, 1e-4)
    XCTAssertEqual(config.encoderDims, [8, 16, 24, 32])
    XCTAssertEqual(config.run.batchSize, nil)
    XCTAssertEqual(config.auxWeight, 0.4, "a missing key takes its default")
    XCTAssertEqual(config.run.workers, 2, "a missing run key takes its default")
    XCTAssertThrowsError(try SegmentationTrainingConfig.load(path: file.path, overrides: ["epoch=5"])) { error in
      XCTAssertTrue("\(error)".contains("unknown key 'epoch'"), "\(error)")
    }
    XCTAssertThrowsError(try SegmentationTrainingConfig.load(path: file.path, overrides: ["data=null"])) { error in
      XCTAssertTrue("\(error)".contains("'data' is missing"), "\(error)")
    }
    XCTAssertThrowsError(try SegmentationTrainingConfig.load(path: file.path, overrides: ["accumulate=0"])) { error in
      XCTAssertTrue("\(error)".contains("accumulate must be ≥ 1"), "\(error)")
    }
    XCTAssertThrowsError(try SegmentationTrainingConfig.load(path: file.path, overrides: ["precision=fp8"]))
  }

  /// The settings a run folder records load back as they were; folders written before
  /// `precision` existed (`bf16: true`) still load.
  func testSavedSettingsLoadBack() throws {
    var config = SegmentationTrainingConfig(dataset: "dubai", data: "/data/dubai")
    config.run.epochs = 7
    config.run.precision = .bf16
    config.run.clipGradNorm = 1.5
    config.encoderDims = [8, 16, 24, 32]
    let saved = root.appendingPathComponent("run-config.json")
    try config.json().write(to: saved, atomically: true, encoding: .utf8)
    XCTAssertTrue(try config.json().contains("\"clip_grad_norm\""))
    XCTAssertEqual(try SegmentationTrainingConfig.load(path: saved.path), config)
    let legacy = root.appendingPathComponent("legacy.json")
    try #"{"dataset": "dubai", "data": "/data/dubai", "bf16": true}"#.write(to: legacy, atomically: true, encoding: .utf8)
    XCTAssertEqual(try SegmentationTrainingConfig.load(path: legacy.path).run.precision, .bf16)
  }

  func testShippedConfigsHoldTheSpecDefaults() throws {
    let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../configs").standardized
    let expected: [(String, Int, Int, Double, Int)] = [
      ("vaihingen", 45, 4, 5e-5, 512), ("potsdam", 45, 4, 1e-4, 768), ("loveda", 30, 8, 8e-5, 512), ("dubai", 45, 4, 5e-5, 256),
    ]
    for (name, epochs, batch, lr, crop) in expected {
      let config = try SegmentationTrainingConfig.load(path: configs.appendingPathComponent("\(name).yaml").path)
      XCTAssertEqual(config.dataset, name)
      XCTAssertEqual(config.run.epochs, epochs, name)
      XCTAssertEqual(config.run.batchSize, batch, name)
      XCTAssertEqual(config.lr, lr, name)
      XCTAssertEqual(config.cropSize, crop, name)
    }
  }
}
