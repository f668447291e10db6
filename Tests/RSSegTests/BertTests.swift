import Foundation
import XCTest

@testable import RSSeg
import Torch

final class BertTests: XCTestCase {
  func testConfigOfMiniLMFolder() throws {
    let config = try BertConfig(contentsOf: TextTestPaths.minilm.appendingPathComponent("config.json"))
    XCTAssertEqual(config.hiddenSize, 384)
    XCTAssertEqual(config.numHiddenLayers, 6)
    XCTAssertEqual(config.numAttentionHeads, 12)
    XCTAssertEqual(config.headSize, 32)
    XCTAssertEqual(config.intermediateSize, 1536)
    XCTAssertEqual(config.layerNormEps, 1e-12)
    XCTAssertEqual(config.hiddenAct, .gelu)
    XCTAssertEqual(config.vocabSize, 30522)
  }

  func testConfigDefaultsAreBertBase() throws {
    let config = try BertConfig(json: [:])
    XCTAssertEqual(config, .base)
    XCTAssertEqual([config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize],
                   [768, 12, 12, 3072])
  }

  func testConfigErrorsNameTheProblem() {
    let cases: [([String: Any], String)] = [
      (["hidden_act": "swish"], "unsupported config: hidden_act \"swish\""),
      (["position_embedding_type": "relative_key"], "unsupported config: position_embedding_type"),
      (["model_type": "roberta"], "unsupported config: model_type \"roberta\""),
      (["is_decoder": true], "unsupported config: is_decoder"),
      (["hidden_size": 100, "num_attention_heads": 12], "hidden_size 100 is not a multiple of num_attention_heads 12"),
      (["hidden_size": "768"], "hidden_size must be an integer"),
      (["num_hidden_layers": 2.5], "num_hidden_layers must be an integer"),
      (["num_hidden_layers": true], "num_hidden_layers must be an integer"),
      (["vocab_size": 0], "vocab_size must be at least 1"),
      (["layer_norm_eps": "tiny"], "layer_norm_eps must be a number"),
    ]
    for (json, message) in cases {
      XCTAssertThrowsError(try BertConfig(json: json, source: "x/config.json"), "\(json)") { error in
        XCTAssertTrue("\(error)".hasPrefix("x/config.json: "), "\(error)")
        XCTAssertTrue("\(error)".contains(message), "\(error) lacks \(message)")
      }
    }
  }
}

final class BertModelTests: XCTestCase {
  private var scratch: URL!

  override func setUpWithError() throws {
    scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bert-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

  /// A copy of the MiniLM folder with `change` applied (files linked, not copied).
  private func folder(_ name: String, change: (URL) throws -> Void) throws -> URL {
    let copy = scratch.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
    for file in ["config.json", "vocab.txt", "model.safetensors"] {
      try FileManager.default.createSymbolicLink(
        at: copy.appendingPathComponent(file), withDestinationURL: TextTestPaths.minilm.appendingPathComponent(file))
    }
    try change(copy)
    return copy
  }

  func testKeysAreHFNames() throws {
    let model = try BertModel(try BertFolder(TextTestPaths.minilm).config())
    let keys = Set(try model.stateDict().keys)
    let fileKeys = Set(try SafeTensors.read(TextTestPaths.minilm.appendingPathComponent("model.safetensors").path).names)
    XCTAssertEqual(keys, fileKeys.subtracting(["embeddings.position_ids"]))
    XCTAssertTrue(keys.contains("encoder.layer.5.attention.self.query.weight"))
    XCTAssertTrue(keys.contains("encoder.layer.0.attention.output.LayerNorm.bias"))
  }

  func testHiddenStatesMatchHF() throws {
    let fixture = try TextFixture(contentsOf: TextTestPaths.fixture)
    let states = try SafeTensors.read(TextTestPaths.hiddenStates.path)
    let expected = try states.tensor(named: "last_hidden_state")
    let bert = BertFolder(TextTestPaths.minilm)
    let model = try bert.model()
    let batch = try bert.tokenizer().batch(fixture.rows.prefix(expected.shape[0]).map(\.text), maxLength: expected.shape[1])
    XCTAssertEqual(try batch.ids.scalars(as: Int64.self), try states.tensor(named: "input_ids").scalars(as: Int64.self))
    let hidden = try model(batch.ids, attentionMask: batch.mask)
    XCTAssertEqual(hidden.shape, [8, 20, 384])
    let worst = zip(try hidden.scalars(as: Float.self), try expected.scalars(as: Float.self)).map { abs($0 - $1) }.max()!
    XCTAssertLessThan(worst, 1e-4)
  }

  /// Padding gets no attention: the real tokens' states do not depend on how much follows.
  func testPaddingDoesNotChangeRealTokens() throws {
    let bert = BertFolder(TextTestPaths.minilm)
    let model = try bert.model()
    let tokenizer = try bert.tokenizer()
    let text = "the white car on the left side of the road"  // 12 tokens
    let short = try model(try tokenizer.batch([text], maxLength: 12).ids)
    let long = try tokenizer.batch([text], maxLength: 20)
    let padded = try model(long.ids, attentionMask: long.mask).scalars(as: Float.self)
    let unmasked = try model(long.ids).scalars(as: Float.self)
    let real = 12 * 384
    let worst = zip(try short.scalars(as: Float.self), padded.prefix(real)).map { abs($0 - $1) }.max()!
    XCTAssertLessThan(worst, 1e-5)
    // Without the mask the padding does change them: the mask is what makes the difference.
    let changed = zip(try short.scalars(as: Float.self), unmasked.prefix(real)).map { abs($0 - $1) }.max()!
    XCTAssertGreaterThan(changed, 1e-3)
  }

  func testTaskModelKeysAreFixedUp() throws {
    let w = try Tensor.zeros([2])
    let keys = BertFolder.encoderKeys([
      ("bert.embeddings.LayerNorm.gamma", w), ("bert.encoder.layer.0.output.LayerNorm.beta", w),
      ("bert.embeddings.position_ids", w), ("cls.predictions.bias", w), ("bert.pooler.dense.weight", w),
    ])
    XCTAssertEqual(Set(keys.keys), ["embeddings.LayerNorm.weight", "encoder.layer.0.output.LayerNorm.bias", "pooler.dense.weight"])
  }

  /// A pre-training checkpoint's layout (`bert.` prefix, TF-era `gamma`/`beta`, a `cls.` head,
  /// no pooler) loads into the same encoder.
  func testTaskModelFileLoads() throws {
    let original = try SafeTensors.read(TextTestPaths.minilm.appendingPathComponent("model.safetensors").path)
    var renamed: [(String, Tensor)] = []
    for (key, tensor) in try original.tensors() where !key.hasPrefix("pooler.") {
      var key = "bert." + key
      if key.hasSuffix("LayerNorm.weight") { key = key.replacingOccurrences(of: "LayerNorm.weight", with: "LayerNorm.gamma") }
      if key.hasSuffix("LayerNorm.bias") { key = key.replacingOccurrences(of: "LayerNorm.bias", with: "LayerNorm.beta") }
      renamed.append((key, tensor))
    }
    renamed.append(("cls.predictions.bias", try Tensor.zeros([30522])))
    let copy = try folder("pretraining") { copy in
      try FileManager.default.removeItem(at: copy.appendingPathComponent("model.safetensors"))
      try SafeTensors.write(renamed, to: copy.appendingPathComponent("model.safetensors").path)
    }
    let model = try BertFolder(copy).model()
    XCTAssertNil(model.pooler)
    let reference = try BertFolder(TextTestPaths.minilm).model()
    XCTAssertNotNil(reference.pooler)
    let ids = try Tensor([101, 1996, 2317, 2482, 102] as [Int64], shape: [1, 5])
    XCTAssertEqual(try model(ids).scalars(as: Float.self), try reference(ids).scalars(as: Float.self))
  }

  func testMalformedFoldersGiveClearErrors() throws {
    func error(_ body: () throws -> Void) -> String {
      do { try body() } catch { return "\(error)" }
      return "no error"
    }
    let noConfig = try folder("no-config") { try FileManager.default.removeItem(at: $0.appendingPathComponent("config.json")) }
    XCTAssertEqual(error { _ = try BertFolder(noConfig).model() }, "\(noConfig.path): missing config.json (the BERT configuration)")

    let noWeights = try folder("no-weights") { try FileManager.default.removeItem(at: $0.appendingPathComponent("model.safetensors")) }
    XCTAssertEqual(error { _ = try BertFolder(noWeights).model() },
                   "\(noWeights.path): missing model.safetensors or pytorch_model.bin (the weights)")

    let noVocab = try folder("no-vocab") { try FileManager.default.removeItem(at: $0.appendingPathComponent("vocab.txt")) }
    XCTAssertEqual(error { _ = try BertFolder(noVocab).tokenizer() }, "\(noVocab.path): missing vocab.txt (the WordPiece vocabulary)")

    XCTAssertTrue(error { _ = try BertFolder(scratch.appendingPathComponent("nowhere")).model() }.hasSuffix("nowhere: no such folder (expected a HF BERT model folder)"))

    // A config that does not fit the weights: every mismatched key is named.
    let wider = try folder("wider") { copy in
      let config = copy.appendingPathComponent("config.json")
      let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "\"intermediate_size\": 1536", with: "\"intermediate_size\": 1024")
      try FileManager.default.removeItem(at: config)
      try text.write(to: config, atomically: true, encoding: .utf8)
    }
    let mismatch = error { _ = try BertFolder(wider).model() }
    XCTAssertTrue(mismatch.hasPrefix("\(wider.path)/model.safetensors: the weights do not fit config.json"), mismatch)
    XCTAssertTrue(mismatch.contains("shape mismatch for encoder.layer.3.intermediate.dense.weight: module has [1024, 384], state dict has [1536, 384]"), mismatch)

    let garbage = try folder("garbage") { copy in
      let weights = copy.appendingPathComponent("model.safetensors")
      try FileManager.default.removeItem(at: weights)
      try Data("not a safetensors file".utf8).write(to: weights)
    }
    XCTAssertTrue(error { _ = try BertFolder(garbage).model() }.hasPrefix("\(garbage.path): cannot read the weights"))

    let fewerLayers = try folder("fewer-layers") { copy in
      let config = copy.appendingPathComponent("config.json")
      let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "\"num_hidden_layers\": 6", with: "\"num_hidden_layers\": 4")
      try FileManager.default.removeItem(at: config)
      try text.write(to: config, atomically: true, encoding: .utf8)
    }
    XCTAssertTrue(error { _ = try BertFolder(fewerLayers).model() }.contains("unexpected keys: encoder.layer.4."))
  }
}
