import Foundation

/// A referring-segmentation training run (LAVT, spec btdnet §2), read from YAML
/// (configs/rrsisd-lavt.yaml, configs/refsegrs-lavt.yaml) with `key=value` overrides by the same
/// machinery as `TrainingConfig`. Missing keys take the LAVT recipe: Swin-B window 12, AdamW
/// lr 5e-5, weight decay 0.01 (0 for norms and position tables), polynomial decay per step with
/// power 0.9, 40 epochs, batch 8, cross-entropy class weights [0.9, 1.1], 480×480 inputs,
/// sentences of at most 20 tokens.
public struct ReferringTrainingConfig: Codable, Equatable, Sendable {
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
  public var epochs = 40
  public var batchSize = 8
  public var lr = 5e-5
  public var weightDecay = 0.01
  public var polyPower = 0.9
  public var classWeights = [0.9, 1.1]
  /// Keep the whole text encoder fixed (LAVT trains BERT's first 10 layers; small runs may not).
  public var freezeBert = false
  public var validateEvery = 1
  public var valBatch = 8
  /// Validation samples used (0 = all).
  public var maxValSamples = 0
  public var keepBest = 1
  public var seed: UInt64 = 0
  public var workers = 2
  public var threads = 0
  public var bf16 = false
  public var accumulate = 1
  /// Stop after this many optimiser steps in total (0 = run every epoch).
  public var maxSteps = 0
  public var clipGradNorm: Double?
  public var progress = true

  enum CodingKeys: String, CodingKey, CaseIterable {
    case dataset, data, bert, swin, epochs, lr, seed, workers, threads, bf16, accumulate, progress, bsc, dmols, btdnet
    case twinDecoder = "twin_decoder"
    case swinWeights = "swin_weights", swinEmbedDim = "swin_embed_dim", swinDepths = "swin_depths"
    case swinHeads = "swin_heads", swinWindow = "swin_window", dropPath = "drop_path", imageSize = "image_size"
    case maxTokens = "max_tokens", batchSize = "batch_size", weightDecay = "weight_decay", polyPower = "poly_power"
    case classWeights = "class_weights", freezeBert = "freeze_bert", validateEvery = "validate_every"
    case valBatch = "val_batch", maxValSamples = "max_val_samples", keepBest = "keep_best", maxSteps = "max_steps"
    case clipGradNorm = "clip_grad_norm"
  }

  public init(dataset: String, data: String, bert: String) {
    self.dataset = dataset
    self.data = data
    self.bert = bert
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
    let defaults = ReferringTrainingConfig(dataset: "", data: "", bert: "")
    dataset = try c.decode(String.self, forKey: .dataset)
    data = try c.decode(String.self, forKey: .data)
    bert = try c.decode(String.self, forKey: .bert)
    swinWeights = try c.decodeIfPresent(String.self, forKey: .swinWeights)
    swin = try value(.swin, defaults.swin)
    swinEmbedDim = try c.decodeIfPresent(Int.self, forKey: .swinEmbedDim)
    swinDepths = try c.decodeIfPresent([Int].self, forKey: .swinDepths)
    swinHeads = try c.decodeIfPresent([Int].self, forKey: .swinHeads)
    swinWindow = try c.decodeIfPresent(Int.self, forKey: .swinWindow)
    dropPath = try value(.dropPath, defaults.dropPath)
    bsc = try value(.bsc, defaults.bsc)
    twinDecoder = try value(.twinDecoder, defaults.twinDecoder)
    dmols = try value(.dmols, defaults.dmols)
    btdnet = try value(.btdnet, defaults.btdnet)
    imageSize = try value(.imageSize, defaults.imageSize)
    maxTokens = try value(.maxTokens, defaults.maxTokens)
    epochs = try value(.epochs, defaults.epochs)
    batchSize = try value(.batchSize, defaults.batchSize)
    lr = try value(.lr, defaults.lr)
    weightDecay = try value(.weightDecay, defaults.weightDecay)
    polyPower = try value(.polyPower, defaults.polyPower)
    classWeights = try value(.classWeights, defaults.classWeights)
    freezeBert = try value(.freezeBert, defaults.freezeBert)
    validateEvery = try value(.validateEvery, defaults.validateEvery)
    valBatch = try value(.valBatch, defaults.valBatch)
    maxValSamples = try value(.maxValSamples, defaults.maxValSamples)
    keepBest = try value(.keepBest, defaults.keepBest)
    seed = try value(.seed, defaults.seed)
    workers = try value(.workers, defaults.workers)
    threads = try value(.threads, defaults.threads)
    bf16 = try value(.bf16, defaults.bf16)
    accumulate = try value(.accumulate, defaults.accumulate)
    maxSteps = try value(.maxSteps, defaults.maxSteps)
    clipGradNorm = try c.decodeIfPresent(Double.self, forKey: .clipGradNorm)
    progress = try value(.progress, defaults.progress)
  }

  /// Reads `path` and applies `overrides` ("key=value", the value read as YAML). Relative
  /// `data`, `bert` and `swin_weights` paths are resolved against the config file's folder.
  /// - Throws: `TrainingError.config` naming the file: unreadable, unknown key, bad value.
  public static func load(path: String, overrides: [String] = []) throws -> ReferringTrainingConfig {
    let config = try ConfigFile.load(
      ReferringTrainingConfig.self, path: path, overrides: overrides, isKey: { CodingKeys(stringValue: $0) != nil },
      pathKeys: ["data", "bert", "swin_weights"])
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
    var options = TrainerOptions(epochs: epochs, lr: lr)
    options.minLR = 0
    options.weightDecay = weightDecay
    options.schedule = .polynomialPerStep(power: polyPower)
    options.lookahead = false
    options.accumulate = accumulate
    options.bf16 = bf16
    options.seed = seed
    options.validateEvery = validateEvery
    options.keepBest = keepBest
    options.maxSteps = maxSteps
    options.clipGradNorm = clipGradNorm
    options.progress = progress
    return options
  }

  /// The settings as a flat YAML-compatible JSON object (recorded next to checkpoints).
  public func json() throws -> String { try ConfigFile.json(self) }
}
