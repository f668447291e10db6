import Foundation
import Torch

// Model files of the referring model: architecture "lavt", config JSON
// {"lavt": LAVTConfig, "bert": HF config.json fields}, classes background/target, ImageNet
// normalisation, RGB bands, and the WordPiece vocabulary and tokenizer settings in the metadata
// (extras "vocabulary", a JSON array of tokens in id order, and "tokenizer"), so that a model
// file alone can tokenise text.

/// How a referring model turns a sentence into token ids.
public struct ReferringText: Sendable {
  public let tokenizer: WordPieceTokenizer
  /// Ids per sentence: `[CLS] … [SEP]` truncated to this length, padded with 0 (RRSIS: 20).
  public let maxLength: Int

  public init(tokenizer: WordPieceTokenizer, maxLength: Int = 20) {
    self.tokenizer = tokenizer
    self.maxLength = maxLength
  }

  /// Token ids and attention mask `[B, maxLength]` for `sentences`.
  public func batch(_ sentences: [String]) throws -> TextBatch { try tokenizer.batch(sentences, maxLength: maxLength) }
}

extension ReferringSegmenter {
  /// The `architecture` recorded in model files.
  public static let architecture = "lavt"
  /// The two output classes.
  public static let classes = SegmentationClasses(names: ["background", "target"], palette: [RGB(0, 0, 0), RGB(255, 255, 255)])

  /// The model-file description of this network with `text` stored alongside.
  public func description(text: ReferringText, source: String) throws -> ModelDescription {
    var inference = config
    inference.dmols = false  // D-MOLS is training only: its heads are not written (`ModelFile.write`)
    let lavt = try JSONSerialization.jsonObject(with: JSONEncoder().encode(inference))
    let configJSON = try Self.json(["lavt": lavt, "bert": textEncoder.config.huggingFaceJSON])
    let basic = text.tokenizer.basic
    let tokenizer: [String: Any] = [
      "do_lower_case": basic.lowerCase, "strip_accents": basic.stripAccents.map { $0 as Any } ?? NSNull(),
      "tokenize_chinese_chars": basic.tokenizeChineseCharacters,
      "max_chars_per_word": text.tokenizer.maxCharactersPerWord, "max_length": text.maxLength,
    ]
    return ModelDescription(
      architecture: Self.architecture, config: configJSON, classes: Self.classes, normalization: .imageNet,
      bands: ["red", "green", "blue"], source: source,
      extras: ["vocabulary": try Self.json(text.tokenizer.vocabulary.tokens), "tokenizer": try Self.json(tokenizer)])
  }

  /// Builds the referring model a model file describes, loads its weights strictly, and
  /// rebuilds its tokenizer from the stored vocabulary.
  public static func load(modelFile path: String) throws -> (model: ReferringSegmenter, description: ModelDescription, text: ReferringText) {
    let (description, stateDict) = try ModelFile.read(path)
    guard description.architecture == architecture else {
      throw ModelFileError.architecture(path: path, found: description.architecture, expected: architecture)
    }
    guard description.classes.count == 2 else {
      throw ModelFileError.malformed(path: path, key: "class_names", "a referring model has 2 classes, found \(description.classes.count)")
    }
    let (config, bert) = try parseConfig(description.config, path: path)
    let model = try ReferringSegmenter(config, bert: bert)
    try model.loadStateDict(stateDict, strict: true)
    return (model, description, try text(description.extras, path: path))
  }

  static func parseConfig(_ text: String, path: String) throws -> (LAVTConfig, BertConfig) {
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
      let lavt = object["lavt"], let bert = object["bert"] as? [String: Any]
    else {
      throw ModelFileError.malformed(path: path, key: "config", "expected a JSON object with `lavt` and `bert` objects")
    }
    do {
      let config = try JSONDecoder().decode(LAVTConfig.self, from: JSONSerialization.data(withJSONObject: lavt))
      return (config, try BertConfig(json: bert, source: "\(path) (config.bert)"))
    } catch {
      throw ModelFileError.malformed(path: path, key: "config", "\(error)")
    }
  }

  static func text(_ extras: [String: String], path: String) throws -> ReferringText {
    guard let vocabulary = extras["vocabulary"] else { throw ModelFileError.missing(path: path, key: "vocabulary") }
    guard let tokens = try? JSONDecoder().decode([String].self, from: Data(vocabulary.utf8)) else {
      throw ModelFileError.malformed(path: path, key: "vocabulary", "expected a JSON array of tokens")
    }
    guard let settings = extras["tokenizer"] else { throw ModelFileError.missing(path: path, key: "tokenizer") }
    guard let json = try? JSONSerialization.jsonObject(with: Data(settings.utf8)) as? [String: Any],
      let lowerCase = json["do_lower_case"] as? Bool, let chinese = json["tokenize_chinese_chars"] as? Bool,
      let maxChars = json["max_chars_per_word"] as? Int, let maxLength = json["max_length"] as? Int, maxLength > 1
    else {
      throw ModelFileError.malformed(
        path: path, key: "tokenizer", "expected do_lower_case, strip_accents, tokenize_chinese_chars, max_chars_per_word, max_length")
    }
    let basic = BasicTokenizer(lowerCase: lowerCase, stripAccents: json["strip_accents"] as? Bool, tokenizeChineseCharacters: chinese)
    let tokenizer = try WordPieceTokenizer(
      vocabulary: Vocabulary(tokens: tokens), basic: basic, maxCharactersPerWord: maxChars, source: "\(path) (vocabulary)")
    return ReferringText(tokenizer: tokenizer, maxLength: maxLength)
  }

  private static func json(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
  }
}

extension ReferringSegmenter {
  /// A fresh referring model: BERT and its tokenizer from the HF folder `bert` (the language
  /// width becomes BERT's hidden size), the image encoder optionally from official Swin
  /// weights (`swinWeights`, e.g. swin_base_patch4_window12_384_22k.pth), everything else seeded.
  ///
  /// - Parameter config: the LAVT configuration (the paper's by default); its `lang_dim` is
  ///   replaced by BERT's width.
  public static func initialise(
    config: LAVTConfig = .paper(), bert: URL, swinWeights: String? = nil, seed: UInt64 = 0
  ) throws -> (model: ReferringSegmenter, description: ModelDescription, swin: SwinLoadReport?) {
    let folder = BertFolder(bert)
    let bertConfig = try folder.config()
    var config = config
    config.langDim = bertConfig.hiddenSize
    let tokenizer = try folder.tokenizer()
    if let tokens = DualModalMasking.TokenIDs(vocabulary: tokenizer.vocabulary) { config.btdnet.masking.tokens = tokens }
    Torch.manualSeed(seed)
    let model = try ReferringSegmenter(config, bert: bertConfig)
    let (weightsURL, weights) = try folder.stateDict()
    do {
      try model.textEncoder.loadStateDict(weights.filter { !$0.key.hasPrefix("pooler.") }, strict: true)
    } catch let error as StateDictError {
      throw TextError.badFile(path: weightsURL.path, problem: "the weights do not fit config.json:\n\(error.report)")
    }
    let report = try swinWeights.map { try SwinCheckpoint.load(path: $0, into: model.backbone) }
    var source = "init (seed \(seed)), BERT from \(bert.path)"
    if let swinWeights { source += ", Swin from \(swinWeights)" }
    let text = ReferringText(tokenizer: tokenizer)
    return (model, try model.description(text: text, source: source), report)
  }
}

extension BertConfig {
  /// The HF `config.json` fields `BertConfig(json:)` reads.
  var huggingFaceJSON: [String: Any] {
    let activation: String
    switch hiddenAct {
    case .gelu: activation = "gelu"
    case .geluTanh: activation = "gelu_new"
    case .relu: activation = "relu"
    }
    return [
      "model_type": "bert", "vocab_size": vocabSize, "hidden_size": hiddenSize, "num_hidden_layers": numHiddenLayers,
      "num_attention_heads": numAttentionHeads, "intermediate_size": intermediateSize, "hidden_act": activation,
      "hidden_dropout_prob": hiddenDropoutProb, "attention_probs_dropout_prob": attentionProbsDropoutProb,
      "max_position_embeddings": maxPositionEmbeddings, "type_vocab_size": typeVocabSize, "layer_norm_eps": layerNormEps,
      "pad_token_id": padTokenID,
    ]
  }
}
