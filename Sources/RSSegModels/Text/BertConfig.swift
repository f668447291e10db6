import Foundation

/// The shape of a BERT encoder, read from a HF `config.json` (HF `BertConfig`; absent keys
/// take HF's defaults, which are bert-base-uncased's).
public struct BertConfig: Equatable, Sendable {
  /// The feed-forward activation (`hidden_act`).
  public enum Activation: String, Sendable {
    /// Exact GELU with erf (`"gelu"`, BERT's).
    case gelu
    /// The tanh approximation (`"gelu_new"`, `"gelu_pytorch_tanh"`).
    case geluTanh
    case relu
  }

  public var vocabSize = 30522
  public var hiddenSize = 768
  public var numHiddenLayers = 12
  public var numAttentionHeads = 12
  public var intermediateSize = 3072
  public var hiddenAct = Activation.gelu
  public var hiddenDropoutProb = 0.1
  public var attentionProbsDropoutProb = 0.1
  public var maxPositionEmbeddings = 512
  public var typeVocabSize = 2
  public var layerNormEps = 1e-12
  public var padTokenID = 0

  public init() {}

  /// bert-base-uncased, the text encoder of LAVT and BTDNet.
  public static let base = BertConfig()

  /// The dimension of one attention head.
  public var headSize: Int { hiddenSize / numAttentionHeads }

  /// Reads `config.json`.
  /// - Throws: `TextError.badFile` for unreadable JSON, a value of the wrong type or an
  ///   impossible size; `TextError.unsupportedConfig` for a setting this encoder does not
  ///   implement (another activation, relative positions, a decoder, cross-attention).
  public init(contentsOf url: URL) throws {
    let object: Any
    do { object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) } catch {
      throw TextError.badFile(path: url.path, problem: "cannot read the model config (\(error.localizedDescription))")
    }
    guard let json = object as? [String: Any] else {
      throw TextError.badFile(path: url.path, problem: "the model config is not a JSON object")
    }
    try self.init(json: json, source: url.path)
  }

  /// Decodes a parsed `config.json`; `source` names it in errors.
  public init(json: [String: Any], source: String = "config.json") throws {
    func int(_ key: String, _ value: inout Int, minimum: Int = 1) throws {
      guard let raw = json[key], !(raw is NSNull) else { return }
      guard let number = raw as? NSNumber, !Self.isBool(number), let exact = Int(exactly: number.doubleValue) else {
        throw TextError.badFile(path: source, problem: "\(key) must be an integer, found \(raw)")
      }
      guard exact >= minimum else {
        throw TextError.badFile(path: source, problem: "\(key) must be at least \(minimum), found \(exact)")
      }
      value = exact
    }
    func double(_ key: String, _ value: inout Double) throws {
      guard let raw = json[key], !(raw is NSNull) else { return }
      guard let number = raw as? NSNumber, !Self.isBool(number) else {
        throw TextError.badFile(path: source, problem: "\(key) must be a number, found \(raw)")
      }
      value = number.doubleValue
    }
    func string(_ key: String) throws -> String? {
      guard let raw = json[key], !(raw is NSNull) else { return nil }
      guard let text = raw as? String else {
        throw TextError.badFile(path: source, problem: "\(key) must be a string, found \(raw)")
      }
      return text
    }
    func unsupported(_ problem: String) -> TextError { .unsupportedConfig(path: source, problem: problem) }

    if let type = try string("model_type"), type != "bert" {
      throw unsupported("model_type \"\(type)\" (only \"bert\")")
    }
    try int("vocab_size", &vocabSize)
    try int("hidden_size", &hiddenSize)
    try int("num_hidden_layers", &numHiddenLayers)
    try int("num_attention_heads", &numAttentionHeads)
    try int("intermediate_size", &intermediateSize)
    try int("max_position_embeddings", &maxPositionEmbeddings)
    try int("type_vocab_size", &typeVocabSize)
    try int("pad_token_id", &padTokenID, minimum: 0)
    try double("hidden_dropout_prob", &hiddenDropoutProb)
    try double("attention_probs_dropout_prob", &attentionProbsDropoutProb)
    try double("layer_norm_eps", &layerNormEps)
    guard hiddenSize % numAttentionHeads == 0 else {
      throw TextError.badFile(
        path: source, problem: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
    }
    guard layerNormEps > 0 else { throw TextError.badFile(path: source, problem: "layer_norm_eps must be positive") }
    for (key, p) in [("hidden_dropout_prob", hiddenDropoutProb), ("attention_probs_dropout_prob", attentionProbsDropoutProb)]
    where !(0..<1).contains(p) {
      throw TextError.badFile(path: source, problem: "\(key) \(p) is outside [0, 1)")
    }
    if let act = try string("hidden_act") {
      switch act {
      case "gelu": hiddenAct = .gelu
      case "gelu_new", "gelu_pytorch_tanh": hiddenAct = .geluTanh
      case "relu": hiddenAct = .relu
      default: throw unsupported("hidden_act \"\(act)\" (gelu, gelu_new, gelu_pytorch_tanh or relu)")
      }
    }
    if let kind = try string("position_embedding_type"), kind != "absolute" {
      throw unsupported("position_embedding_type \"\(kind)\" (only \"absolute\")")
    }
    for flag in ["is_decoder", "add_cross_attention"] where (json[flag] as? Bool) == true {
      throw unsupported("\(flag) is true (only a bidirectional encoder)")
    }
  }

  /// JSON booleans arrive as NSNumber too (of C type `char`); they are not numbers here.
  private static func isBool(_ number: NSNumber) -> Bool {
    String(cString: number.objCType) == "c"
  }
}
