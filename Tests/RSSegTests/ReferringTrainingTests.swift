import Foundation
import Torch
import XCTest

@testable import RSSeg
@testable import RSSegModels

/// A small text-conditioned network standing in for LAVT in trainer tests: conv features
/// modulated (FiLM) by the masked mean of word embeddings, 2-class logits.
final class FiLMReferringNet: Module, ReferringNetwork {
  let words: Embedding
  let film: Linear
  let conv1: Conv2d
  let conv2: Conv2d
  let head: Conv2d

  init(vocabulary: Int, width: Int = 16) throws {
    words = try Embedding(vocabulary, 16)
    film = try Linear(16, 2 * width)
    conv1 = try Conv2d(3, width, kernelSize: 3, padding: 1)
    conv2 = try Conv2d(width, width, kernelSize: 3, padding: 1)
    head = try Conv2d(width, 2, kernelSize: 1)
    super.init()
  }

  func logits(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor) throws -> Tensor {
    let mask = try tokenMask.to(.float32).unsqueeze(-1)
    let sentence = try (words(tokenIDs) * mask).sum(dim: 1) / mask.sum(dim: 1)
    let scaleShift = try film(sentence).unsqueeze(-1).unsqueeze(-1).chunk(2, dim: 1)
    let x = try conv1(images).relu()
    return try head(try (conv2(x) * (scaleShift[0] + 1) + scaleShift[1]).relu())
  }
}

/// Referring samples straight from generated scenes (no files): one sample per shape, a
/// random one of its sentences when training, the first one when evaluating.
enum SceneSamples {
  static func loader(
    scenes: Range<Int>, size: Int, training: Bool, batchSize: Int, tokenizer: WordPieceTokenizer, seed: UInt64 = 0
  ) throws -> ReferringLoader {
    let text = ReferringText(tokenizer: tokenizer, maxLength: 8)
    let objects = scenes.flatMap { index in
      (0..<SyntheticReferringScenes.scene(seed: 9, index: index, size: size).objects.count).map { (index, $0) }
    }
    var options = LoaderOptions(batchSize: batchSize, shuffle: training, dropLast: training, workers: 2, seed: seed)
    options.prefetchBatches = 1
    return try ReferringLoader(count: objects.count, options: options, text: text) { i, random in
      let scene = SyntheticReferringScenes.scene(seed: 9, index: objects[i].0, size: size)
      let object = scene.objects[objects[i].1]
      let labeled = LabeledImage(
        width: size, height: size, channels: 3, image: scene.rgb, mask: object.mask.map { $0 ? 1 : 0 })
      let prepared = Normalization.imageNet.apply(labeled, index: i)
      let sentence = training ? object.sentences[random.int(in: 0...(object.sentences.count - 1))] : object.sentences[0]
      return ReferringItem(
        width: size, height: size, image: prepared.image, target: prepared.mask, sentence: sentence, name: "\(i)", index: i)
    }
  }
}

final class ReferringTrainingTests: XCTestCase {
  private var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-reftrain-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    Torch.threads = 1
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

  private func tokenizer() throws -> WordPieceTokenizer {
    try WordPieceTokenizer(vocabularyAt: TextTestPaths.minilm.appendingPathComponent("vocab.txt"))
  }

  private func task(seed: UInt64 = 1) throws -> ReferringTrainingTask {
    let tokenizer = try tokenizer()
    Torch.manualSeed(seed)
    let model = try FiLMReferringNet(vocabulary: tokenizer.vocabulary.count)
    let loader = try SceneSamples.loader(scenes: 0..<6, size: 32, training: true, batchSize: 4, tokenizer: tokenizer)
    let validation = try SceneSamples.loader(scenes: 6..<8, size: 32, training: false, batchSize: 4, tokenizer: tokenizer)
    return try ReferringTrainingTask(
      model: model, loader: loader, validation: validation, classWeights: [0.9, 1.1],
      save: { path in try SafeTensors.write(try model.orderedStateDict(), metadata: [:], to: path) })
  }

  private func options(epochs: Int) -> TrainerOptions {
    var config = ReferringTrainingConfig(dataset: "rrsisd", data: "", bert: "")
    config.run.epochs = epochs
    config.lr = 1e-2
    config.run.progress = false
    return config.trainerOptions
  }

  func testBatchesHoldImagesTokensAndTargets() throws {
    let task = try task()
    guard let batch = try task.batches(epoch: 0, skipping: 0)() else { return XCTFail("no batch") }
    XCTAssertEqual(batch.images.shape, [4, 3, 32, 32])
    XCTAssertEqual(batch.targets.shape, [4, 32, 32])
    XCTAssertEqual(batch.tokenIDs.shape, [4, 8])
    XCTAssertEqual(try batch.tokenIDs[0, 0].int(), 101)  // [CLS]
    let terms = try task.lossTerms(batch)
    XCTAssertEqual(terms.map(\.name), ["total", "ce"])
    // Two classes, logits near 0 at the start: the cross-entropy is near ln 2.
    XCTAssertEqual(try terms[1].value.double(), log(2), accuracy: 0.3)
  }

  func testPolynomialDecayPerStepWithoutLookahead() throws {
    let task = try task()
    let perEpoch = task.batchesPerEpoch
    let outcome = try Trainer(task: task, options: options(epochs: 2), folder: root.appendingPathComponent("run")).run()
    XCTAssertEqual(outcome.step, 2 * perEpoch)
    let rows = try String(contentsOf: root.appendingPathComponent("run/steps.csv"), encoding: .utf8).split(separator: "\n")
    XCTAssertTrue(rows[0].hasPrefix("step,epoch,lr,total,ce,"), String(rows[0]))
    let lrs = rows.dropFirst().map { Double($0.split(separator: ",")[2])! }
    let total = Double(2 * perEpoch)
    for (t, lr) in lrs.enumerated() { XCTAssertEqual(lr, 1e-2 * pow(1 - Double(t) / total, 0.9), accuracy: 1e-12) }
    let epochs = try String(contentsOf: root.appendingPathComponent("run/epochs.csv"), encoding: .utf8)
    XCTAssertTrue(epochs.contains("val_oIoU"), epochs)
    XCTAssertTrue(epochs.contains("val_P@0.9"), epochs)
  }

  func testStoppedAndResumedRunEndsWithTheSameWeights() throws {
    let options = options(epochs: 2)
    func weights(_ run: String) throws -> [(String, Tensor)] {
      let store = CheckpointStore(run: root.appendingPathComponent(run))
      return try SafeTensors.read(store.path(store.last!).appendingPathComponent(CheckpointStore.modelFile).path).tensors()
    }
    let straight = try Trainer(task: try task(), options: options, folder: root.appendingPathComponent("straight")).run()
    var stopping = options
    stopping.run.maxSteps = straight.step / 2 - 1  // mid-epoch
    let first = try Trainer(task: try task(), options: stopping, folder: root.appendingPathComponent("resumed")).run()
    XCTAssertFalse(first.finished)
    let resumedTrainer = try Trainer(task: try task(seed: 2), options: options, folder: root.appendingPathComponent("resumed"))
    try resumedTrainer.resume()
    let resumed = try resumedTrainer.run()
    XCTAssertEqual(resumed.step, straight.step)
    let a = try weights("straight"), b = try weights("resumed")
    XCTAssertEqual(a.map(\.0), b.map(\.0))
    for ((name, x), (_, y)) in zip(a, b) { XCTAssertEqual(try x.bytes(), try y.bytes(), "\(name) differs after resume") }
  }

  /// `optimizer_in_backward`: the same weights as updating after backward, and a clear
  /// refusal of settings that need every gradient before the first update.
  func testOptimizerInBackwardEndsWithTheSameWeights() throws {
    func weights(_ run: String) throws -> [(String, Tensor)] {
      let store = CheckpointStore(run: root.appendingPathComponent(run))
      return try SafeTensors.read(store.path(store.last!).appendingPathComponent(CheckpointStore.modelFile).path).tensors()
    }
    let plain = options(epochs: 1)
    var inBackward = plain
    inBackward.run.optimizerInBackward = true
    _ = try Trainer(task: try task(), options: plain, folder: root.appendingPathComponent("after")).run()
    _ = try Trainer(task: try task(), options: inBackward, folder: root.appendingPathComponent("inside")).run()
    let a = try weights("after"), b = try weights("inside")
    XCTAssertEqual(a.map(\.0), b.map(\.0))
    for ((name, x), (_, y)) in zip(a, b) { XCTAssertEqual(try x.bytes(), try y.bytes(), "\(name) differs") }
    let initial = try task().network.stateDict()
    for (name, x) in a { XCTAssertNotEqual(try x.bytes(), try initial[name]!.bytes(), "\(name) moved") }

    var clipped = inBackward
    clipped.run.clipGradNorm = 1
    clipped.run.accumulate = 2
    XCTAssertThrowsError(try Trainer(task: try task(), options: clipped, folder: root.appendingPathComponent("clipped"))) {
      XCTAssertTrue("\($0)".contains("which accumulate 2, clip_grad_norm 1.0 need"), "\($0)")
    }
  }

  func testBTDNetTermsJoinTheLossAndTrainingOnlyHeadsResume() throws {
    let data = root.appendingPathComponent("data")
    try SyntheticReferringDataset.write(.init(images: 10, size: 64, seed: 3), to: data)
    let shipped = TextTestPaths.packageRoot.appendingPathComponent("configs/synthetic-referring.yaml").path
    let config = try ReferringTrainingConfig.load(
      path: shipped,
      overrides: [
        "data=\(data.path)", "bert=\(TextTestPaths.minilm.path)", "image_size=64", "bsc=true", "twin_decoder=true", "dmols=true", "batch_size=4",
        "epochs=2", "progress=false", "btdnet={loss: {dice: 0.2}}",
      ])
    XCTAssertEqual(config.btdnet.loss.dice, 0.2)
    XCTAssertEqual(config.btdnet.loss.twin, 0.3)
    let (task, options, _) = try ReferringTrainingTask.make(config)
    guard let batch = try task.batches(epoch: 0, skipping: 0)() else { return XCTFail("no batch") }
    let terms = try task.lossTerms(batch)
    XCTAssertEqual(terms.prefix(2).map(\.name), ["total", "ce"])
    XCTAssertTrue(Set(terms.map(\.name)).isSuperset(of: ["dice", "twin", "correlation", "words", "pixels"]), "\(terms.map(\.name))")
    let sum = try terms.dropFirst().reduce(0.0) { $0 + (try $1.value.double()) }
    XCTAssertEqual(try terms[0].value.double(), sum, accuracy: 1e-4)

    var stopping = options
    stopping.run.maxSteps = 1
    let run = root.appendingPathComponent("run")
    _ = try Trainer(task: task, options: stopping, folder: run).run()
    let store = CheckpointStore(run: run)
    let checkpoint = store.path(store.last!)
    let modelKeys = try SafeTensors.read(checkpoint.appendingPathComponent(CheckpointStore.modelFile).path).names
    let stateKeys = try SafeTensors.read(checkpoint.appendingPathComponent(TrainingState.file).path).names
    XCTAssertFalse(modelKeys.contains { $0.hasPrefix("dmols.") })
    XCTAssertTrue(stateKeys.contains { $0.hasPrefix("network.dmols.") })
    let resumed = try Trainer(task: try ReferringTrainingTask.make(config).task, options: options, folder: run)
    try resumed.resume()
    XCTAssertEqual(resumed.step, 1)
    let heads = try (resumed.task.network as! ReferringSegmenter).dmolsHeads!.orderedStateDict()
    let saved = Dictionary(uniqueKeysWithValues: try SafeTensors.read(checkpoint.appendingPathComponent(TrainingState.file).path).tensors())
    for (key, tensor) in heads { XCTAssertEqual(try tensor.bytes(), try saved["network.dmols." + key]!.bytes(), key) }
  }

  func testReportHoldsTheSevenMetricsInPercent() throws {
    // IoUs 1, 0.5, 0 (empty union counts as 0), 0.75: oIoU = (4 + 2 + 0 + 3) / (4 + 4 + 0 + 4).
    var scores = ReferringScores()
    for (i, u) in [(4, 4), (2, 4), (0, 0), (3, 4)] { try scores.add(intersection: i, union: u) }
    let report = ReferringEvaluationReport(dataset: "rrsisd", split: "test", imageSize: 480, scores: scores)
    XCTAssertEqual(report.metrics.map(\.name), ["oIoU", "mIoU", "P@0.5", "P@0.6", "P@0.7", "P@0.8", "P@0.9"])
    XCTAssertEqual(report.metrics[0].value, 75, accuracy: 1e-9)
    XCTAssertEqual(report.metrics[1].value, 56.25, accuracy: 1e-9)
    XCTAssertEqual(report.metrics.dropFirst(2).map(\.value), [75, 50, 50, 25, 25])
    let json = try JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as! [String: Any]
    XCTAssertEqual(json["P@0.7"] as? Double, 50)
    XCTAssertEqual(json["samples"] as? Int, 4)
    XCTAssertTrue(report.markdown().contains("| oIoU | mIoU | P@0.5 | P@0.6 | P@0.7 | P@0.8 | P@0.9 |"), report.markdown())
    XCTAssertTrue(report.markdown().contains("| 75.00 | 56.25 | 75.00 | 50.00 | 50.00 | 25.00 | 25.00 |"), report.markdown())
  }

  func testShippedConfigsHoldTheLAVTRecipe() throws {
    let configs = TextTestPaths.packageRoot.appendingPathComponent("configs")
    for name in ["rrsisd-lavt", "refsegrs-lavt"] {
      let path = configs.appendingPathComponent("\(name).yaml").path
      XCTAssertTrue(try ReferringTrainingConfig.describesReferring(path: path))
      let config = try ReferringTrainingConfig.load(path: path)
      XCTAssertEqual(config.run.epochs, 40)
      XCTAssertEqual(config.run.batchSize, 8)
      XCTAssertEqual(config.lr, 5e-5)
      XCTAssertEqual(config.weightDecay, 0.01)
      XCTAssertEqual(config.polyPower, 0.9)
      XCTAssertEqual(config.classWeights, [0.9, 1.1])
      XCTAssertEqual(config.imageSize, 480)
      XCTAssertEqual(config.swinWindow, 12)
      XCTAssertFalse(config.freezeBert)
      XCTAssertTrue(config.bert.hasSuffix("weights/bert-base-uncased") && config.bert.hasPrefix("/"), config.bert)
      let options = config.trainerOptions
      XCTAssertEqual(options.schedule, .polynomialPerStep(power: 0.9))
      XCTAssertFalse(options.lookahead)
    }
    XCTAssertFalse(try ReferringTrainingConfig.describesReferring(path: configs.appendingPathComponent("potsdam.yaml").path))
    let overridden = try ReferringTrainingConfig.load(
      path: configs.appendingPathComponent("rrsisd-lavt.yaml").path, overrides: ["epochs=2", "swin_weights=null"])
    XCTAssertEqual(overridden.epochs, 2)
    XCTAssertNil(overridden.swinWeights)
    XCTAssertThrowsError(
      try ReferringTrainingConfig.load(path: configs.appendingPathComponent("rrsisd-lavt.yaml").path, overrides: ["crop_size=3"])
    ) { XCTAssertTrue("\($0)".contains("unknown key 'crop_size'"), "\($0)") }
  }
}
