import Foundation
import Torch

/// Shrinking a referring model file for shipping: most of a small LAVT/BTDNet file is its BERT,
/// and most of BERT-sized text encoders is the word-embedding table (30,522 × 384 for MiniLM-L6).
public struct ReferringCompaction: Sendable {
  /// Keep the word pieces with ids below this (BERT's vocabulary is, after its specials and
  /// single characters, roughly in order of frequency), plus every `##x` single-character
  /// continuation, so any word still tokenises; nil keeps the whole vocabulary.
  public var keepFirstTokens: Int?
  /// Sentences whose word pieces are always kept (their tokenisation, and so the model's output
  /// for them, is unchanged: WordPiece's longest match only ever chooses kept pieces).
  public var sentences: [String] = []
  /// Store floating-point tensors as float16 (loading converts them back to float32).
  public var half = false
  /// Store large weight tensors as int8 with a scale per row (`Int8Storage`); the rest as `half` says.
  public var int8 = false

  public init(keepFirstTokens: Int? = nil, sentences: [String] = [], half: Bool = false, int8: Bool = false) {
    self.keepFirstTokens = keepFirstTokens
    self.sentences = sentences
    self.half = half
    self.int8 = int8
  }

  /// What a compaction did.
  public struct Report: Sendable, Equatable {
    public var vocabularyBefore: Int
    public var vocabularyAfter: Int
    public var bytesBefore: Int
    public var bytesAfter: Int
    /// Bytes of each part of the new file's tensors: "word embeddings", "text encoder (rest)", "image and fusion".
    public var parts: [String: Int]
  }
}

extension ReferringSegmenter {
  static let wordEmbeddingKey = "text_encoder.embeddings.word_embeddings.weight"

  /// Writes a smaller copy of the referring model file `path` to `output`.
  /// - Throws: `ModelFileError` for a file that is not a referring model, `TorchError` on I/O.
  @discardableResult
  public static func compact(modelFile path: String, to output: String, _ options: ReferringCompaction) throws -> ReferringCompaction.Report {
    let (description, stateDict) = try ModelFile.read(path)
    guard description.architecture == architecture else {
      throw ModelFileError.architecture(path: path, found: description.architecture, expected: architecture)
    }
    let text = try text(description.extras, path: path)
    let tokens = text.tokenizer.vocabulary.tokens
    var kept = Array(tokens.indices)
    if let first = options.keepFirstTokens {
      let specials = [text.tokenizer.clsID, text.tokenizer.sepID, text.tokenizer.unknownID, text.tokenizer.maskID ?? 0, 0]
      guard first > specials.max()! else {
        throw ModelFileError.malformed(path: path, key: "vocabulary", "keep at least the first \(specials.max()! + 1) tokens (the specials)")
      }
      var keep = Set(0..<min(first, tokens.count))
      for (id, token) in tokens.enumerated() where token.hasPrefix("##") && token.unicodeScalars.count == 3 { keep.insert(id) }
      for sentence in options.sentences { keep.formUnion(text.tokenizer.ids(sentence)) }
      kept = keep.sorted()
    }
    var state = stateDict
    if kept.count < tokens.count, let table = stateDict[wordEmbeddingKey] {
      state[wordEmbeddingKey] = try table.indexSelect(dim: 0, index: Tensor(kept.map { Int64($0) }))
    }
    // The new vocabulary and BERT's vocab_size; the specials keep their ids (a kept prefix).
    var extras = description.extras
    extras["vocabulary"] = String(decoding: try JSONSerialization.data(withJSONObject: kept.map { tokens[$0] }), as: UTF8.self)
    guard var config = try JSONSerialization.jsonObject(with: Data(description.config.utf8)) as? [String: Any],
      var bert = config["bert"] as? [String: Any]
    else { throw ModelFileError.malformed(path: path, key: "config", "expected a JSON object with a `bert` object") }
    bert["vocab_size"] = kept.count
    config["bert"] = bert
    var compacted = description
    compacted.extras = extras
    compacted.config = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
    compacted.source = description.source + "; compacted: \(kept.count) of \(tokens.count) word pieces"
      + (options.int8 ? ", int8 storage with row scales" : "") + (options.half ? ", float16 storage" : "")
    var ordered: [(String, Tensor)] = []
    var parts: [String: Int] = [:]
    for key in stateDict.keys.sorted() {
      let tensor = state[key]!
      // Int8 rows are rounded from the float32 weights; what stays float (and only the weight, not its scales) may be halved.
      let stored = try (options.int8 ? Int8Storage.encode(key, tensor) : [(key, tensor)]).map { name, t in
        (name, options.half && name == key && t.dtype == .float32 ? try t.to(.float16) : t)
      }
      let part = key == wordEmbeddingKey ? "word embeddings" : key.hasPrefix("text_encoder.") ? "text encoder (rest)" : "image and fusion"
      for (_, t) in stored { parts[part, default: 0] += t.shape.reduce(1, *) * t.dtype.size }
      ordered += stored
    }
    try SafeTensors.write(ordered, metadata: compacted.metadata, to: output)
    // The result must load as a model, strictly.
    _ = try load(modelFile: output)
    let size = { (p: String) in (try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0 }
    return .init(
      vocabularyBefore: tokens.count, vocabularyAfter: kept.count, bytesBefore: size(path), bytesAfter: size(output), parts: parts)
  }
}
