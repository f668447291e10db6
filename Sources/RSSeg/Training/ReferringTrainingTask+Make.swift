import Foundation
import RSSegModels
import Torch

extension ReferringTrainingTask {
  /// Everything a `ReferringTrainingConfig` describes: LAVT with the BERT folder's weights (and
  /// the Swin checkpoint when given), LAVT's optimiser groups, the training samples (one random
  /// sentence per object and epoch), the validation samples (every sentence of the val split)
  /// and the LAVT optimisation.
  /// - Returns: the task, the trainer options and lines to show (e.g. no Swin weights).
  public static func make(_ config: ReferringTrainingConfig) throws -> (task: ReferringTrainingTask, options: TrainerOptions, warnings: [String]) {
    guard let benchmark = ReferringBenchmark(rawValue: config.dataset) else {
      throw TrainingError.config(path: config.data, "'\(config.dataset)' is not a referring dataset")
    }
    let bertFolder = URL(fileURLWithPath: config.bert)
    let (model, _, swinReport) = try ReferringSegmenter.initialise(
      config: try config.lavtConfig(bert: try BertFolder(bertFolder).config()), bert: bertFolder, swinWeights: config.swinWeights,
      seed: config.run.seed)
    var warnings: [String] = []
    if let swinReport, let path = config.swinWeights {
      warnings.append("Swin weights \(path): \(swinReport.loaded.count) tensors loaded, \(swinReport.fresh.count) start fresh")
    } else {
      warnings.append(
        "WARNING: no Swin weights (swin_weights: …): the image encoder starts from random weights; results will be far below the paper's")
    }
    model.backbone.useCheckpoint = config.checkpointSwin
    if config.freezeBert { try model.textEncoder.freeze() }
    let groups = try model.optimizerGroups(lr: config.lr)
    // Parameters outside the groups (BERT's embeddings and late layers) need no gradients.
    let trained = Set(groups.flatMap(\.params).map(ObjectIdentifier.init))
    for p in try model.parameters() where !trained.contains(ObjectIdentifier(p)) { try p.requiresGrad(false) }

    let text = ReferringText(tokenizer: try BertFolder(bertFolder).tokenizer(), maxLength: config.maxTokens)
    let root = URL(fileURLWithPath: config.data)
    let options = ReferringOptions(size: (config.imageSize, config.imageSize))
    let train = try benchmark.dataset(root: root, split: .train, options: options)
    let val = try benchmark.dataset(root: root, split: .val, options: options)
    warnings += train.warnings + val.warnings
    let normalization = Normalization.imageNet
    let objects = train.objects.indices.filter { !train.objects[$0].sentences.isEmpty }
    let loader = try ReferringLoader(
      count: objects.count, options: LoaderOptions(batchSize: config.batchSize, workers: config.run.workers, seed: config.run.seed),
      text: text
    ) { i, random in
      let object = objects[i], sentence = random.int(in: 0...(train.objects[object].sentences.count - 1))
      return ReferringItem(try train.load(ReferringSampleID(object: object, sentence: sentence)), normalization: normalization, index: i)
    }
    let all = val.evaluationSamples()
    let samples = config.maxValSamples > 0 ? Array(all.prefix(config.maxValSamples)) : all
    let validation = try ReferringLoader(
      count: samples.count,
      options: LoaderOptions(batchSize: config.valBatch, shuffle: false, dropLast: false, workers: config.run.workers, seed: config.run.seed),
      text: text
    ) { i, _ in ReferringItem(try val.load(samples[i]), normalization: normalization, index: i) }
    let description = try model.description(text: text, source: "rsseg train (\(config.dataset), seed \(config.run.seed))")
    let task = try ReferringTrainingTask(
      model: model, loader: loader, validation: validation, classWeights: config.classWeights, parameterGroups: groups,
      save: { path in try ModelFile.write(model, description: description, to: path) })
    return (task, config.trainerOptions, warnings)
  }
}
