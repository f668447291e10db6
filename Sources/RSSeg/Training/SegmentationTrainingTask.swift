import Foundation
import RSSegModels
import Torch

/// BiCoR-Seg semantic segmentation as a `TrainingTask`: training crops with the spec §4
/// augmentation, the BiCoR-Seg loss, and whole-image validation scored with the dataset's
/// monitor metric.
public final class SegmentationTrainingTask: TrainingTask {
  public typealias Batch = RSSeg.Batch
  public let model: BiCoRSeg
  public let description: ModelDescription
  public let loss: BiCoRSegLoss
  public let loader: DataLoader
  public let validationSet: SegmentationDataset
  public var evaluator: SegmentationEvaluator
  public let excludedFromMeans: Set<Int>
  public let monitorMetric: String

  public init(
    model: BiCoRSeg, description: ModelDescription, loss: BiCoRSegLoss, loader: DataLoader,
    validationSet: SegmentationDataset, evaluator: SegmentationEvaluator, excludedFromMeans: Set<Int>, monitorMetric: String
  ) {
    self.model = model
    self.description = description
    self.loss = loss
    self.loader = loader
    self.validationSet = validationSet
    self.evaluator = evaluator
    self.excludedFromMeans = excludedFromMeans
    self.monitorMetric = monitorMetric
  }

  public var network: Module { model }
  public var batchesPerEpoch: Int { loader.batchesPerEpoch }

  public func batches(epoch: Int, skipping: Int) -> () throws -> Batch? {
    let order = Array(loader.order(epoch: epoch).prefix(loader.batchesPerEpoch * loader.options.batchSize))
    let iterator = EpochIterator(loader: loader, epoch: epoch, order: Array(order.dropFirst(skipping * loader.options.batchSize)))
    return { try iterator.next() }
  }

  public func sampleCount(_ batch: Batch) -> Int { batch.indices.count }

  public func lossTerms(_ batch: Batch) throws -> [(name: String, value: Tensor)] {
    let terms = try loss(try model.forward(batch.images), batch.labels)
    var out: [(name: String, value: Tensor)] = [("total", terms.total), ("seg_aux", terms.segAux)]
    if let fisher = terms.fisherFinal { out.append(("fisher_final", fisher)) }
    out += [("heatmap", terms.heatmapSum), ("fisher_layers", terms.fisherLayersSum)]
    return out
  }

  public func validate(on device: Device) throws -> [String: Double] {
    var evaluator = evaluator
    evaluator.device = device
    let matrix = try evaluator.run({ try model($0) }, on: validationSet)
    let scores = SegmentationScores(matrix, classNames: description.classes.names, excluding: excludedFromMeans)
    return ["oa": scores.overallAccuracy, "miou": scores.meanIoU, "mean_f1": scores.meanF1]
  }

  public func writeModel(to path: String) throws {
    try ModelFile.write(model, description: description, to: path)
  }
}

extension SegmentationTrainingTask {
  /// Everything a `SegmentationTrainingConfig` describes: network (with the ImageNet encoder when given),
  /// loss weights, loaders and validation; also the trainer options.
  /// - Returns: the task, the options and a warning to show (e.g. no ImageNet weights).
  public static func make(_ config: SegmentationTrainingConfig) throws -> (task: SegmentationTrainingTask, options: TrainerOptions, warnings: [String]) {
    let kind = try SegmentationBenchmark(named: config.dataset)
    var preset = kind.preset
    if let name = config.preset, name.lowercased() != preset.name {
      let other = try BiCoRSegPreset.named(name)
      preset.model = other.model
      preset.model.classes = preset.classes.count
      preset.model.ignoreIndex = preset.classes.count
    }
    var modelConfig = preset.model
    if let name = config.encoder { modelConfig.encoder = try ConvNeXtConfig.preset(named: name) }
    if let dims = config.encoderDims { modelConfig.encoder.dims = dims }
    if let depths = config.encoderDepths { modelConfig.encoder.depths = depths }
    if let embed = config.embedDim { modelConfig.embedDim = embed }
    var warnings: [String] = []
    if config.imagenet == nil {
      warnings.append(
        "WARNING: no ImageNet weights (imagenet: …): the encoder starts from random weights; results will be far below the paper's")
    }
    let (model, description, _) = try BiCoRSeg.initialise(preset: preset, config: modelConfig, imageNet: config.imagenet, seed: config.run.seed)
    var loss = BiCoRSegLoss(ignoreIndex: modelConfig.ignoreIndex)
    loss.auxWeight = config.auxWeight
    loss.fisherFinalWeight = config.fisherFinalWeight
    loss.heatmapWeight = config.heatmapWeight
    loss.fisherLayersWeight = config.fisherLayersWeight
    let root = URL(fileURLWithPath: config.data)
    let defaults = preset.training
    var augmentation = TrainAugmentation(cropSize: config.cropSize ?? defaults.trainCrop, rot90Probability: defaults.rot90Probability)
    augmentation.normalization = description.normalization
    let loader = try DataLoader(
      dataset: try kind.trainingSet(root: root), transform: augmentation,
      options: LoaderOptions(batchSize: config.run.batchSize ?? defaults.trainBatch, workers: config.run.workers, seed: config.run.seed))
    var evaluator = SegmentationEvaluator(classes: description.classes, normalization: description.normalization)
    evaluator.batchSize = config.run.valBatch ?? (kind == .dubai ? 1 : defaults.valBatch)
    evaluator.workers = config.run.workers
    evaluator.maxImages = config.maxValImages
    let task = SegmentationTrainingTask(
      model: model, description: description, loss: loss, loader: loader, validationSet: try kind.validationSet(root: root),
      evaluator: evaluator, excludedFromMeans: Set(preset.excludedFromMeans), monitorMetric: defaults.selection.rawValue)
    var run = config.run
    run.epochs = run.epochs ?? defaults.epochs
    var options = TrainerOptions(run: run, lr: config.lr ?? defaults.lr)
    options.minLR = config.minLR ?? defaults.minLR
    options.weightDecay = config.weightDecay ?? defaults.weightDecay
    options.lookaheadK = config.lookaheadK ?? defaults.lookaheadK
    options.lookaheadAlpha = config.lookaheadAlpha ?? defaults.lookaheadAlpha
    return (task, options, warnings)
  }
}
