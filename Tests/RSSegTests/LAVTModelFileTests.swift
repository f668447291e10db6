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
