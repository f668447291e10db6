import Foundation
import RSSegModels

/// A referring-segmentation training run (LAVT, spec btdnet §2), read from YAML
/// (configs/rrsisd-lavt.yaml, configs/refsegrs-lavt.yaml) with `key=value` overrides by the same
/// machinery as `SegmentationTrainingConfig`, its `RunSettings` keys beside its own. Missing
/// keys take the LAVT recipe: Swin-B window 12, AdamW lr 5e-5, weight decay 0.01 (0 for norms
/// and position tables), polynomial decay per step with power 0.9, 40 epochs, batch 8,
/// cross-entropy class weights [0.9, 1.1], 480×480 inputs, sentences of at most 20 tokens.
public struct ReferringTrainingConfig: ConfigFamily, Equatable, Sendable {
  /// The datasets this config family trains on.
  public static let datasets = ["rrsisd", "refsegrs"]

  /// rrsisd or refsegrs.
  public var dataset: String
  /// The dataset folder.
  public var data: String
  /// A HF BERT folder (config.json, vocab.txt, weights): the text encoder and its vocabulary.
  public var bert: String
  /// An official Swin classification checkpoint (.pth, keys under `model`) for the image encoder.
  public var swinWeights: String?
  /// Swin preset: tiny, small, base, large (window 12 for base unless `swin_window` says otherwise).
  public var swin = "base"
  public var swinEmbedDim: Int?
  public var swinDepths: [Int]?
  public var swinHeads: [Int]?
  public var swinWindow: Int?
  /// Stochastic depth of the Swin blocks.
  public var dropPath = 0.3
  /// BTDNet components (spec btdnet §3; all off is LAVT): BSC fusion, twin-stream decoder, D-MOLS.
  public var bsc = false
  public var twinDecoder = false
  public var dmols = false
  /// BTDNet's loss weights and D-MOLS masking (`loss: {dice, twin, correlation, words, pixels}`,
  /// `masking: {…}`); missing keys take the spec's values.
  public var btdnet = BTDNetSettings()
  public var imageSize = 480
  public var maxTokens = 20
  public var lr = 5e-5
  public var weightDecay = 0.01
  public var polyPower = 0.9
  public var classWeights = [0.9, 1.1]
  /// Keep the whole text encoder fixed (LAVT trains BERT's first 10 layers; small runs may not).
  public var freezeBert = false
  /// Recompute each Swin block during backward instead of keeping its activations (the
  /// official `use_checkpoint`; on by default, as BiCoR-Seg's recomputed neck and decoder).
  public var checkpointSwin = true
  /// Validation samples used (0 = all).
  public var maxValSamples = 0
  public var run = RunSettings()

  enum CodingKeys: String, CodingKey, CaseIterable {
    case dataset, data, bert, swin, lr, bsc, dmols, btdnet
    case twinDecoder = "twin_decoder"
    case swinWeights = "swin_weights", swinEmbedDim = "swin_embed_dim", swinDepths = "swin_depths"
    case swinHeads = "swin_heads", swinWindow = "swin_window", dropPath = "drop_path", imageSize = "image_size"
    case maxTokens = "max_tokens", weightDecay = "weight_decay", polyPower = "poly_power"
    case classWeights = "class_weights", freezeBert = "freeze_bert", maxValSamples = "max_val_samples"
    case checkpointSwin = "checkpoint_swin"
  }

  public init(dataset: String, data: String, bert: String) {
    self.dataset = dataset
    self.data = data
    self.bert = bert
  }

  static let defaults = ReferringTrainingConfig(dataset: "", data: "", bert: "")
  static let requiredKeys = ["dataset", "data", "bert"]
  static let pathKeys = ["data", "bert", "swin_weights"]

  /// Epochs, training batch and validation batch: the config's, or LAVT's (40, 8, 8).
  public var epochs: Int { run.epochs ?? 40 }
  public var batchSize: Int { run.batchSize ?? 8 }
  public var valBatch: Int { run.valBatch ?? 8 }

  /// Reads `path` and applies `overrides` ("key=value", the value read as YAML). Relative
  /// `data`, `bert` and `swin_weights` paths are resolved against the config file's folder.
  /// - Throws: `TrainingError.config` naming the file: unreadable, unknown key, bad value.
  public static func load(path: String, overrides: [String] = []) throws -> ReferringTrainingConfig {
    let config = try ConfigFile.load(ReferringTrainingConfig.self, path: path, overrides: overrides)
    guard datasets.contains(config.dataset) else {
      throw TrainingError.config(path: path, "dataset '\(config.dataset)' is not a referring dataset (\(datasets.joined(separator: ", ")))")
    }
    guard config.classWeights.count == 2, config.imageSize >= 32, config.maxTokens >= 2, config.batchSize >= 1 else {
      throw TrainingError.config(path: path, "need two class_weights, image_size ≥ 32, max_tokens ≥ 2 and batch_size ≥ 1")
    }
    return config
  }

  /// Whether the config at `path` is a referring one (its `dataset` is rrsisd or refsegrs).
  public static func describesReferring(path: String) throws -> Bool {
    (try ConfigFile.values(path: path)["dataset"] as? String).map(datasets.contains) ?? false
  }

  /// The LAVT (or BTDNet) network this config describes, with `bert`'s width as the language width.
  public func lavtConfig(bert: BertConfig) throws -> LAVTConfig {
    var swin = try SwinConfig.preset(named: self.swin)
    if let v = swinEmbedDim { swin.embedDim = v }
    if let v = swinDepths { swin.depths = v }
    if let v = swinHeads { swin.numHeads = v }
    if let v = swinWindow { swin.windowSize = v }
    swin.dropPathRate = dropPath
    var config = LAVTConfig(
      swin: swin, langDim: bert.hiddenSize, classWeights: classWeights, bsc: bsc, twinDecoder: twinDecoder, dmols: dmols)
    config.btdnet = btdnet
    try config.validate()
    return config
  }

  /// The LAVT optimisation: AdamW without Lookahead, polynomial decay per step to 0.
  public var trainerOptions: TrainerOptions {
    var run = self.run
    (run.epochs, run.batchSize, run.valBatch) = (epochs, batchSize, valBatch)
    var options = TrainerOptions(run: run, lr: lr)
    options.minLR = 0
    options.weightDecay = weightDecay
    options.schedule = .polynomialPerStep(power: polyPower)
    options.lookahead = false
    return options
  }

  /// The settings as a flat YAML-compatible JSON object (recorded next to checkpoints).
  public func json() throws -> String { try ConfigFile.json(self) }
}
