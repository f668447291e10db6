import Foundation
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class LAVTModelFileTests: XCTestCase {
  private let config = LAVTConfig(
    swin: SwinConfig(embedDim: 8, depths: [1, 1, 2, 1], numHeads: [1, 2, 2, 4], windowSize: 4), langDim: 384)

  private func temporaryPath(_ ext: String = "safetensors") -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("lavt-\(UUID().uuidString).\(ext)").path
  }

  /// A fresh model from the MiniLM folder and Swin weights in the official layout, written to
  /// a model file and read back: same weights, same outputs, the same tokenisation.
  func testInitialiseWriteAndLoad() throws {
    let swinPath = temporaryPath()
    let modelPath = temporaryPath()
    defer {
      try? FileManager.default.removeItem(atPath: swinPath)
      try? FileManager.default.removeItem(atPath: modelPath)
    }
    let swin = try SwinTransformer(config.swin).orderedStateDict().filter { !$0.key.hasPrefix("norm") }
    try SafeTensors.write(swin.map { ("model." + $0.key, $0.tensor) } + [("model.head.weight", try Tensor.zeros([3, 64]))], to: swinPath)

    var narrow = config
    narrow.langDim = 1  // replaced by BERT's width
    let (model, description, report) = try ReferringSegmenter.initialise(
      config: narrow, bert: TextTestPaths.minilm, swinWeights: swinPath, seed: 3)
    XCTAssertEqual(model.config.langDim, 384)
    XCTAssertEqual(report?.loaded.count, swin.count)
    XCTAssertEqual(report?.ignored, ["head.weight"])
    let folderBert = try BertFolder(TextTestPaths.minilm).model()
    let word = "embeddings.word_embeddings.weight"
    XCTAssertEqual(try (model.textEncoder.stateDict()[word]! - folderBert.stateDict()[word]!).abs().amax().double(), 0)
    XCTAssertEqual(description.architecture, "lavt")
    XCTAssertEqual(description.classes.names, ["background", "target"])
    XCTAssertEqual(description.normalization, .imageNet)
    XCTAssertEqual(description.bands, ["red", "green", "blue"])

    try ModelFile.write(model, description: description, to: modelPath)
    let (loaded, read, text) = try ReferringSegmenter.load(modelFile: modelPath)
    XCTAssertEqual(read, description)
    XCTAssertEqual(loaded.config, model.config)
    XCTAssertEqual(loaded.textEncoder.config, folderBert.config)
    XCTAssertEqual(text.maxLength, 20)

    let sentences = ["the storage tank closest to the river", "Café ünïcode, URLs: http://x.io and 長い words"]
    let folderTokenizer = try BertFolder(TextTestPaths.minilm).tokenizer()
    for sentence in sentences {
      XCTAssertEqual(text.tokenizer.encode(sentence, maxLength: 20), folderTokenizer.encode(sentence, maxLength: 20))
    }
    let batch = try text.batch(sentences)
    let images = try Tensor.randn([2, 3, 40, 36])
    model.eval()
    loaded.eval()
    let a = try Torch.withNoGrad { try model(images, tokenIDs: batch.ids, tokenMask: batch.mask) }
    let b = try Torch.withNoGrad { try loaded(images, tokenIDs: batch.ids, tokenMask: batch.mask) }
    XCTAssertEqual(a.shape, [2, 2, 40, 36])
    XCTAssertEqual(try (a - b).abs().amax().double(), 0)

    // Other architectures are refused.
    XCTAssertThrowsError(try BiCoRSeg.load(modelFile: modelPath)) { error in
      XCTAssertEqual(error as? ModelFileError, .architecture(path: modelPath, found: "lavt", expected: "bicor-seg"))
    }
  }

  /// `compact`: a pruned vocabulary and float16 storage give a much smaller file that loads
  /// strictly, tokenises the kept sentences the same way (same answers, up to float16 rounding)
  /// and still tokenises any other text.
  func testCompactionPrunesTheVocabularyAndHalvesTheWeights() throws {
    let fullPath = temporaryPath(), smallPath = temporaryPath()
    defer {
      try? FileManager.default.removeItem(atPath: fullPath)
      try? FileManager.default.removeItem(atPath: smallPath)
    }
    let (model, description, _) = try ReferringSegmenter.initialise(config: config, bert: TextTestPaths.minilm, seed: 5)
    try ModelFile.write(model, description: description, to: fullPath)
    let kept = ["the water body left of the largest road", "the small building"]
    let report = try ReferringSegmenter.compact(
      modelFile: fullPath, to: smallPath, .init(keepFirstTokens: 5000, sentences: kept + ["zygomorphic"], half: true))
    XCTAssertEqual(report.vocabularyBefore, 30522)
    XCTAssertLessThan(report.vocabularyAfter, 6000)
    XCTAssertLessThan(Double(report.bytesAfter), 0.4 * Double(report.bytesBefore))
    let (small, _, text) = try ReferringSegmenter.load(modelFile: smallPath)
    let (_, _, fullText) = try ReferringSegmenter.load(modelFile: fullPath)
    XCTAssertEqual(small.textEncoder.config.vocabSize, report.vocabularyAfter)
    for sentence in kept + ["zygomorphic"] {
      XCTAssertEqual(text.tokenizer.tokenize(sentence), fullText.tokenizer.tokenize(sentence))
    }
    // Rarer words than the kept ones split into more pieces, never into [UNK].
    let rare = text.tokenizer.tokenize("the quarry beside the desalination plant")
    XCTAssertFalse(rare.contains("[UNK]"), "\(rare)")
    model.eval()
    small.eval()
    let images = try Tensor.randn([2, 3, 32, 32])
    let a = try text.batch(kept), b = try fullText.batch(kept)
    let out = try Torch.withNoGrad { try small(images, tokenIDs: a.ids, tokenMask: a.mask).softmax(dim: 1) }
    let reference = try Torch.withNoGrad { try model(images, tokenIDs: b.ids, tokenMask: b.mask).softmax(dim: 1) }
    XCTAssertLessThan(try (out - reference).abs().amax().double(), 0.05)
  }

  /// `compact --int8`: large weights stored as int8 rows with float32 scales — about a quarter of
  /// float32's bytes — come back within half a step of each row, and the model answers as before.
  func testInt8StorageKeepsEachRowWithinHalfAStep() throws {
    let fullPath = temporaryPath(), smallPath = temporaryPath()
    defer {
      try? FileManager.default.removeItem(atPath: fullPath)
      try? FileManager.default.removeItem(atPath: smallPath)
    }
    let (model, description, _) = try ReferringSegmenter.initialise(config: config, bert: TextTestPaths.minilm, seed: 6)
    try ModelFile.write(model, description: description, to: fullPath)
    let (_, _, text) = try ReferringSegmenter.load(modelFile: fullPath)
    let report = try ReferringSegmenter.compact(modelFile: fullPath, to: smallPath, .init(int8: true))
    XCTAssertLessThan(Double(report.bytesAfter), 0.3 * Double(report.bytesBefore))
    let full = try ModelFile.read(fullPath).stateDict, small = try ModelFile.read(smallPath).stateDict
    XCTAssertEqual(Set(full.keys), Set(small.keys), "the row scales must not reach the state dict")
    let table = ReferringSegmenter.wordEmbeddingKey
    let rows = try full[table]!.reshape([full[table]!.shape[0], -1])
    let step = try rows.abs().amax(dim: 1, keepDim: true) / 127
    let error = try (small[table]!.reshape(rows.shape) - rows).abs()
    XCTAssertLessThanOrEqual(try (error - step * 0.5001).amax().double(), 0)
    XCTAssertGreaterThan(try error.amax().double(), 0, "the table must really be stored in int8")
    let (loaded, _, _) = try ReferringSegmenter.load(modelFile: smallPath)
    model.eval()
    loaded.eval()
    let images = try Tensor.randn([2, 3, 32, 32])
    let batch = try text.batch(["the water body left of the largest road", "the small building"])
    let out = try Torch.withNoGrad { try loaded(images, tokenIDs: batch.ids, tokenMask: batch.mask).softmax(dim: 1) }
    let reference = try Torch.withNoGrad { try model(images, tokenIDs: batch.ids, tokenMask: batch.mask).softmax(dim: 1) }
    XCTAssertLessThan(try (out - reference).abs().amax().double(), 0.05)
  }

  /// Row scales that do not match their int8 tensor are an error naming the file and the key.
  func testMismatchedInt8ScalesAreReported() throws {
    let path = temporaryPath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (model, description, _) = try ReferringSegmenter.initialise(config: config, bert: TextTestPaths.minilm, seed: 7)
    var state = try model.orderedStateDict()
    let key = ReferringSegmenter.wordEmbeddingKey
    let index = state.firstIndex { $0.0 == key }!
    state[index].1 = try state[index].1.to(.int8)
    state.append((key + ".scale", try Tensor.ones([3])))
    try SafeTensors.write(state, metadata: description.metadata, to: path)
    XCTAssertThrowsError(try ModelFile.read(path)) { error in
      XCTAssertEqual(
        "\(error)", "\(path): tensor '\(key).scale': int8 row scales of shape [3] for a tensor of 30522 rows")
    }
  }

  func testMissingVocabularyIsReported() throws {
    var bert = BertConfig()
    (bert.vocabSize, bert.hiddenSize, bert.numHiddenLayers, bert.numAttentionHeads, bert.intermediateSize) = (8, 384, 1, 2, 16)
    let model = try ReferringSegmenter(config, bert: bert)
    let text = ReferringText(tokenizer: try WordPieceTokenizer(vocabulary: Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"])))
    var description = try model.description(text: text, source: "test")
    description.extras["vocabulary"] = nil
    let path = temporaryPath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    try ModelFile.write(model, description: description, to: path)
    XCTAssertThrowsError(try ReferringSegmenter.load(modelFile: path)) { error in
      XCTAssertEqual(error as? ModelFileError, .missing(path: path, key: "vocabulary"))
    }
  }
}
