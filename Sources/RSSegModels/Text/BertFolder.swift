import Foundation
import Torch

/// A HF BERT model folder: `config.json`, `vocab.txt`, `model.safetensors` or
/// `pytorch_model.bin`, and optionally `tokenizer_config.json` (`do_lower_case`,
/// `strip_accents`, `tokenize_chinese_chars`).
///
/// Weight files of task models load too: a `bert.` prefix is removed, keys outside the encoder
/// (`cls.*` heads, …) are skipped, TF-era `LayerNorm.gamma`/`beta` mean `weight`/`bias`, and the
/// `embeddings.position_ids` buffer of older files is ignored. Inside the encoder loading is
/// strict: every parameter must be present with its shape.
///
/// ```swift
/// let folder = BertFolder(URL(fileURLWithPath: "bert-base-uncased"))
/// let model = try folder.model()
/// let tokenizer = try folder.tokenizer()
/// ```
public struct BertFolder: Sendable {
  public let url: URL

  public init(_ url: URL) { self.url = url }

  /// Keys of the encoder proper; anything else in a weight file belongs to a task head.
  static let encoderPrefixes = ["embeddings.", "encoder.", "pooler."]

  /// `config.json`. - Throws: `TextError` when missing or unusable.
  public func config() throws -> BertConfig {
    try BertConfig(contentsOf: try file("config.json", what: "config.json (the BERT configuration)"))
  }

  /// The tokenizer of `vocab.txt`, set up by `tokenizer_config.json` when present.
  public func tokenizer() throws -> WordPieceTokenizer {
    let vocab = try file("vocab.txt", what: "vocab.txt (the WordPiece vocabulary)")
    return try WordPieceTokenizer(vocabularyAt: vocab, basic: basicTokenizer())
  }

  /// A model built from `config.json` with the folder's weights, in evaluation mode.
  /// - Throws: `TextError` for a missing or unreadable file, or weights that do not fit the config.
  public func model() throws -> BertModel {
    let config = try config()
    let (weightsURL, weights) = try stateDict()
    let model = try BertModel(config, addPoolingLayer: weights["pooler.dense.weight"] != nil)
    do {
      try model.loadStateDict(weights)
    } catch let error as StateDictError {
      throw TextError.badFile(path: weightsURL.path, problem: "the weights do not fit config.json:\n\(error.report)")
    }
    model.eval()
    return model
  }

  /// The encoder's tensors of the weight file under BertModel's keys, and the file they came from.
  public func stateDict() throws -> (URL, [String: Tensor]) {
    let safetensors = url.appendingPathComponent("model.safetensors")
    let pickle = url.appendingPathComponent("pytorch_model.bin")
    let source: URL
    let named: [(String, Tensor)]
    do {
      if FileManager.default.fileExists(atPath: safetensors.path) {
        source = safetensors
        named = try SafeTensors.read(safetensors.path).tensors()
      } else if FileManager.default.fileExists(atPath: pickle.path) {
        source = pickle
        named = try TorchCheckpoint.read(pickle.path).flatTensors()
      } else {
        throw TextError.missingFile(path: url.path, what: "model.safetensors or pytorch_model.bin (the weights)")
      }
    } catch let error as TorchError {
      throw TextError.badFile(path: url.path, problem: "cannot read the weights: \(error)")
    }
    let weights = Self.encoderKeys(named)
    guard !weights.isEmpty else {
      throw TextError.badFile(path: source.path, problem: "no BERT encoder weights (no embeddings.*/encoder.* keys)")
    }
    return (source, weights)
  }

  /// HF's key fix-ups for loading a file into `BertModel`.
  static func encoderKeys(_ named: [(String, Tensor)]) -> [String: Tensor] {
    var out: [String: Tensor] = [:]
    for (key, tensor) in named {
      var key = key.hasPrefix("bert.") ? String(key.dropFirst("bert.".count)) : key
      guard encoderPrefixes.contains(where: key.hasPrefix), key != "embeddings.position_ids" else { continue }
      if key.hasSuffix(".gamma") { key = String(key.dropLast("gamma".count)) + "weight" }
      if key.hasSuffix(".beta") { key = String(key.dropLast("beta".count)) + "bias" }
      out[key] = tensor
    }
    return out
  }

  /// The basic tokenisation asked for by `tokenizer_config.json` (BERT uncased without one).
  func basicTokenizer() throws -> BasicTokenizer {
    let path = url.appendingPathComponent("tokenizer_config.json")
    guard FileManager.default.fileExists(atPath: path.path) else { return BasicTokenizer() }
    guard let data = try? Data(contentsOf: path),
      let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    else {
      throw TextError.badFile(path: path.path, problem: "not a JSON object")
    }
    func flag(_ key: String) throws -> Bool? {
      guard let raw = json[key], !(raw is NSNull) else { return nil }
      guard let value = raw as? Bool else { throw TextError.badFile(path: path.path, problem: "\(key) must be true, false or null") }
      return value
    }
    return BasicTokenizer(lowerCase: try flag("do_lower_case") ?? true, stripAccents: try flag("strip_accents"),
                          tokenizeChineseCharacters: try flag("tokenize_chinese_chars") ?? true)
  }

  /// A file of the folder that must exist.
  private func file(_ name: String, what: String) throws -> URL {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
      throw TextError.badFile(path: url.path, problem: "no such folder (expected a HF BERT model folder)")
    }
    let file = url.appendingPathComponent(name)
    guard FileManager.default.fileExists(atPath: file.path) else { throw TextError.missingFile(path: url.path, what: what) }
    return file
  }
}
