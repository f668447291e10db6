import Foundation
import XCTest

@testable import RSSeg
@testable import RSSegModels
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
    let hidden = try model(batch.ids, tokenMask: batch.mask)
    XCTAssertEqual(hidden.shape, [8, 20, 384])
    let worst = zip(try hidden.scalars(as: Float.self), try expected.scalars(as: Float.self)).map { abs($0 - $1) }.max()!
    XCTAssertLessThan(worst, 1e-4)
  }

  /// In float64 the padding mask follows the model's dtype and the states stay HF's.
  func testFloat64ModelMatchesHF() throws {
    let fixture = try TextFixture(contentsOf: TextTestPaths.fixture)
    let expected = try SafeTensors.read(TextTestPaths.hiddenStates.path).tensor(named: "last_hidden_state")
    let bert = BertFolder(TextTestPaths.minilm)
    let model = try bert.model()
    try model.to(.float64)
    let batch = try bert.tokenizer().batch(fixture.rows.prefix(8).map(\.text), maxLength: 20)
    let hidden = try model(batch.ids, tokenMask: batch.mask)
    XCTAssertEqual(hidden.dtype, .float64)
    let worst = zip(try hidden.scalars(as: Double.self), try expected.scalars(as: Float.self)).map { abs($0 - Double($1)) }.max()!
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
    let padded = try model(long.ids, tokenMask: long.mask).scalars(as: Float.self)
    let unmasked = try model(long.ids).scalars(as: Float.self)
    let real = 12 * 384
    let worst = zip(try short.scalars(as: Float.self), padded.prefix(real)).map { abs($0 - $1) }.max()!
    XCTAssertLessThan(worst, 1e-5)
    // Without the mask the padding does change them: the mask is what makes the difference.
    let changed = zip(try short.scalars(as: Float.self), unmasked.prefix(real)).map { abs($0 - $1) }.max()!
    XCTAssertGreaterThan(changed, 1e-3)
  }

  /// Fine-tuning needs gradients: backward through a small random BERT (float64, padding
  /// masked) agrees with central finite differences.
  func testGradientsMatchFiniteDifferences() throws {
    var config = BertConfig()
    (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads) = (20, 8, 2, 2)
    (config.intermediateSize, config.maxPositionEmbeddings) = (16, 10)
    Torch.manualSeed(3)
    let model = try BertModel(config)
    try model.to(.float64)
    model.eval()
    let ids = try Tensor([2, 5, 7, 1, 9, 2, 4, 3, 0, 0] as [Int64], shape: [2, 5])
    let mask = try Tensor([1, 1, 1, 1, 1, 1, 1, 1, 0, 0] as [Int64], shape: [2, 5])
    let projection = try Tensor.randn([2, 5, 8], dtype: .float64)
    func loss() throws -> Tensor { try (model(ids, tokenMask: mask) * projection).sum() }
    try loss().backward()
    let layer = model.encoder.layer[0]
    let parameters = [
      ("query.weight", layer.attention.selfAttention.query.weight), ("key.bias", layer.attention.selfAttention.key.bias!),
      ("intermediate.dense.weight", layer.intermediate.dense.weight),
      ("word_embeddings.weight", model.embeddings.wordEmbeddings.weight),
    ]
    for (name, parameter) in parameters {
      let index: [any TensorIndexExpression] = parameter.shape.count == 2 ? [2, 1] : [1]
      let analytic = try XCTUnwrap(parameter.grad).index(index).double()
      let value = try parameter.detach().index(index).double()
      let step = 1e-6
      let lossAt = { (v: Double) throws -> Double in
        try Torch.withNoGrad {
          try parameter.set(index, to: .float(v))
          return try loss().double()
        }
      }
      let numeric = (try lossAt(value + step) - lossAt(value - step)) / (2 * step)
      _ = try lossAt(value)
      XCTAssertEqual(analytic, numeric, accuracy: 1e-6 * max(1, abs(numeric)), name)
      XCTAssertNotEqual(analytic, 0, name)
    }
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

  func testTokenizerConfigIsFollowed() throws {
    let cased = try folder("cased") { copy in
      try Data(#"{"do_lower_case": false, "strip_accents": null}"#.utf8).write(to: copy.appendingPathComponent("tokenizer_config.json"))
    }
    XCTAssertEqual(try BertFolder(cased).tokenizer().tokenize("Hello world"), ["[UNK]", "world"])
    XCTAssertEqual(try BertFolder(TextTestPaths.minilm).tokenizer().tokenize("Hello world"), ["hello", "world"])
    let bad = try folder("bad-tokenizer-config") { copy in
      try Data(#"{"do_lower_case": "yes"}"#.utf8).write(to: copy.appendingPathComponent("tokenizer_config.json"))
    }
    XCTAssertThrowsError(try BertFolder(bad).tokenizer()) { error in
      XCTAssertEqual("\(error)", "\(bad.path)/tokenizer_config.json: do_lower_case must be true, false or null")
    }
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

    // Without model.safetensors, pytorch_model.bin is read (here a checkpoint of another model).
    let otherModel = try folder("other-model") { copy in
      try FileManager.default.removeItem(at: copy.appendingPathComponent("model.safetensors"))
      try FileManager.default.createSymbolicLink(
        at: copy.appendingPathComponent("pytorch_model.bin"),
        withDestinationURL: TextTestPaths.packageRoot.appendingPathComponent("../shared/parity/pth/state_dict.pth"))
    }
    XCTAssertEqual(error { _ = try BertFolder(otherModel).model() },
                   "\(otherModel.path)/pytorch_model.bin: no BERT encoder weights (no embeddings.*/encoder.* keys)")

    let fewerLayers = try folder("fewer-layers") { copy in
      let config = copy.appendingPathComponent("config.json")
      let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "\"num_hidden_layers\": 6", with: "\"num_hidden_layers\": 4")
      try FileManager.default.removeItem(at: config)
      try text.write(to: config, atomically: true, encoding: .utf8)
    }
    XCTAssertTrue(error { _ = try BertFolder(fewerLayers).model() }.contains("unexpected keys: encoder.layer.4."))
  }
}

/// Encoder speed with bert-base dimensions (768-d, 12 layers, 12 heads, random weights) on a
/// batch of 32 twenty-token sentences, 2 intra-op threads. A measurement, not a check: runs only
/// with RSSEG_BENCH=1:
///   RSSEG_BENCH=1 swift test --filter BertThroughputTests
/// It also times the encoder's matrix products alone, the floor the forward pass can reach.
final class BertThroughputTests: XCTestCase {
  func testBertBaseBatchOf32() throws {
    try XCTSkipUnless(ProcessInfo.processInfo.environment["RSSEG_BENCH"] == "1", "set RSSEG_BENCH=1 to measure")
    let threads = Torch.threads
    Torch.threads = 2
    defer { Torch.threads = threads }
    Torch.manualSeed(0)
    let config = BertConfig.base
    let model = try BertModel(config)
    model.eval()
    let ids = try Tensor.randint(1000, config.vocabSize, [32, 20])
    let mask = try Tensor.ones([32, 20], dtype: .int64)
    try mask.set(.all, 15..., to: 0)
    let tokens = try Tensor.randn([32 * 20, config.hiddenSize])
    let square = try Tensor.randn([config.hiddenSize, config.hiddenSize])
    let up = try Tensor.randn([config.intermediateSize, config.hiddenSize])
    let down = try Tensor.randn([config.hiddenSize, config.intermediateSize])

    func median(_ body: () throws -> Void) rethrows -> Double {
      try body()  // warm-up
      var times: [Double] = []
      for _ in 0..<5 {
        let start = Date()
        try body()
        times.append(Date().timeIntervalSince(start))
      }
      return times.sorted()[2]
    }
    try Torch.withNoGrad {
      let forward = try median { _ = try model(ids, tokenMask: mask).sum().double() }
      let products = try median {
        for _ in 0..<config.numHiddenLayers {
          for _ in 0..<4 { _ = try Functional.linear(tokens, weight: square) }
          _ = try Functional.linear(Functional.linear(tokens, weight: up), weight: down).sum().double()
        }
      }
      print(String(format: "bert-base 32×20 tokens, 2 threads: forward %.3f s (median of 5); its matrix products alone %.3f s", forward, products))
    }
  }
}
