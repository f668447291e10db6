import Foundation
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// BTDNet's components switched on and off in the LAVT network and the referring model.
final class BTDNetModelTests: XCTestCase {
  private var fixturePath: String { parityFolder().appendingPathComponent("lavt_tiny.safetensors").path }
  /// The LAVT fixture's model: embed 16, depths 2-2-2-2, heads 1-2-2-4, window 4, words 32 wide.
  private let config = LAVTConfig(
    swin: SwinConfig(embedDim: 16, depths: [2, 2, 2, 2], numHeads: [1, 2, 2, 4], windowSize: 4), langDim: 32)

  private var tinyBert: BertConfig {
    var bert = BertConfig()
    (bert.vocabSize, bert.hiddenSize, bert.numHiddenLayers, bert.numAttentionHeads) = (120, 32, 1, 2)
    (bert.intermediateSize, bert.maxPositionEmbeddings) = (64, 24)
    return bert
  }

  private func variant(bsc: Bool = false, twin: Bool = false, dmols: Bool = false) -> LAVTConfig {
    var c = config
    (c.bsc, c.twinDecoder, c.dmols) = (bsc, twin, dmols)
    return c
  }

  /// The fixture's parameters, inputs and eval logits.
  private func fixture() throws -> (params: [String: Tensor], input: Tensor, words: Tensor, mask: Tensor, logits: Tensor) {
    let f = try ParityFixture(path: fixturePath)
    return (
      try f.tensors(prefix: "param."), try f.tensor("input").to(.float32), try f.tensor("words").to(.float32),
      try f.tensor("word_mask").to(.float32), try f.tensor("eval.logits").to(.float32)
    )
  }

  private func evalLogits(_ model: LAVT, _ f: (params: [String: Tensor], input: Tensor, words: Tensor, mask: Tensor, logits: Tensor)) throws -> Tensor {
    model.eval()
    return try Torch.withNoGrad { try model(f.input, words: f.words, tokenMask: f.mask) }
  }

  func testAllOffIsTheLAVTFixture() throws {
    let json = #"""
      {"swin": {"embed_dim": 16, "depths": [2, 2, 2, 2], "num_heads": [1, 2, 2, 4], "window_size": 4}, "lang_dim": 32,
       "bsc": false, "twin_decoder": false, "dmols": false}
      """#
    let off = try JSONDecoder().decode(LAVTConfig.self, from: Data(json.utf8))
    XCTAssertEqual(off, config)
    let f = try fixture()
    let model = try LAVT(off)
    XCTAssertEqual(Set(try model.orderedStateDict().map(\.key)), Set(f.params.keys))
    _ = try model.loadStateDict(f.params, strict: true)
    let diff = try (evalLogits(model, f) - f.logits).abs().amax().double()
    XCTAssertLessThanOrEqual(diff, 1e-4 * max(1, try f.logits.abs().amax().double()))
    XCTAssertTrue(try ParityChecker.verify(path: fixturePath).passed)
  }

  func testEachComponentChangesTheOutputsOnlyWhenOn() throws {
    let f = try fixture()
    let lavt = try evalLogits({ let m = try LAVT(config); _ = try m.loadStateDict(f.params); return m }(), f)

    // BSC adds parameters next to PWAM's (whose names stay) and changes the outputs.
    let bsc = try LAVT(variant(bsc: true))
    let bscReport = try bsc.loadStateDict(f.params, strict: false)
    XCTAssertTrue(bscReport.unexpected.isEmpty && bscReport.shapeMismatches.isEmpty, "\(bscReport)")
    XCTAssertEqual(bscReport.missing.count, 4 * 16)
    XCTAssertTrue(bscReport.missing.allSatisfy { $0.contains(".fusion.vision_to_language.") || $0.contains(".fusion.correlation.") })
    XCTAssertGreaterThan(try (evalLogits(bsc, f) - lavt).abs().amax().double(), 1e-3)

    // T-BTD replaces the decoder.
    let twin = try LAVT(variant(twin: true))
    let twinReport = try twin.loadStateDict(f.params, strict: false)
    XCTAssertTrue(twinReport.missing.allSatisfy { $0.hasPrefix("classifier.") })
    XCTAssertEqual(Set(twinReport.unexpected), Set(f.params.keys.filter { $0.hasPrefix("classifier.") }))
    XCTAssertGreaterThan(try (evalLogits(twin, f) - lavt).abs().amax().double(), 1e-3)

    // D-MOLS is training only: the LAVT network is unchanged.
    let dmols = try LAVT(variant(dmols: true))
    _ = try dmols.loadStateDict(f.params, strict: true)
    XCTAssertEqual(try (evalLogits(dmols, f) - lavt).abs().amax().double(), 0)
  }

  private func textInputs() throws -> (images: Tensor, ids: Tensor, mask: Tensor, target: Tensor) {
    let ids = try Tensor([101, 7, 9, 11, 102, 0, 101, 11, 12, 13, 14, 102] as [Int64], shape: [2, 6])
    let mask = try Tensor([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1] as [Int64], shape: [2, 6])
    let target = try Tensor.zeros([2, 64, 64], dtype: .int64)
    try target.set(.all, 16..<40, 8..<30, to: 1)
    return (try Tensor.randn([2, 3, 64, 64]), ids, mask, target)
  }

  func testDMOLSHeadsAreTrainingOnly() throws {
    Torch.manualSeed(4)
    let plain = try ReferringSegmenter(config, bert: tinyBert)
    let withHeads = try ReferringSegmenter(variant(dmols: true), bert: tinyBert)
    let extra = Set(try withHeads.stateDict().keys).subtracting(try plain.stateDict().keys)
    XCTAssertEqual(extra, ["dmols.word_head.bias", "dmols.pixel_head.proj.weight", "dmols.pixel_head.proj.bias"])
    _ = try withHeads.loadStateDict(plain.stateDict(), strict: false)
    let (images, ids, mask, _) = try textInputs()
    for model in [plain, withHeads] { model.eval() }
    let a = try Torch.withNoGrad { try plain(images, tokenIDs: ids, tokenMask: mask) }
    let (output, extras) = try Torch.withNoGrad { try withHeads.btdnetForward(images, tokenIDs: ids, tokenMask: mask) }
    XCTAssertEqual(try (output.logits - a).abs().amax().double(), 0, "no masking in evaluation")
    XCTAssertNil(extras.masking)

    // The model file is the inference network: no heads, D-MOLS off, loads strictly.
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("btdnet-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let vocabulary = Vocabulary(tokens: (0..<120).map { [100: "[UNK]", 101: "[CLS]", 102: "[SEP]", 103: "[MASK]"][$0] ?? "t\($0)" })
    let text = ReferringText(tokenizer: try WordPieceTokenizer(vocabulary: vocabulary))
    try ModelFile.write(withHeads, description: withHeads.description(text: text, source: "test"), to: path)
    XCTAssertFalse(try SafeTensors.read(path).names.contains { $0.hasPrefix("dmols.") })
    let (loaded, _, _) = try ReferringSegmenter.load(modelFile: path)
    XCTAssertFalse(loaded.config.dmols)
    XCTAssertNil(loaded.dmolsHeads)
    loaded.eval()
    let b = try Torch.withNoGrad { try loaded(images, tokenIDs: ids, tokenMask: mask) }
    XCTAssertEqual(try (b - a).abs().amax().double(), 0)
  }

  func testDMOLSChangesTheTrainingPassOnlyWhenOn() throws {
    Torch.manualSeed(6)
    let plain = try ReferringSegmenter(config, bert: tinyBert)
    var on = variant(dmols: true)
    (on.btdnet.masking.sampleFraction, on.btdnet.masking.patchSize) = (1, 16)
    let withHeads = try ReferringSegmenter(on, bert: tinyBert)
    _ = try withHeads.loadStateDict(plain.stateDict(), strict: false)
    for model in [plain, withHeads] { model.train() }
    let (images, ids, mask, _) = try textInputs()

    // Off: BTDNet's training pass is LAVT's forward, bit for bit (same random draws).
    Torch.manualSeed(11)
    let lavt = try plain(images, tokenIDs: ids, tokenMask: mask)
    Torch.manualSeed(11)
    let (off, offExtras) = try plain.btdnetForward(images, tokenIDs: ids, tokenMask: mask)
    XCTAssertEqual(try (off.logits - lavt).abs().amax().double(), 0)
    XCTAssertNil(offExtras.masking)

    // On: the same network on the masked batch, which changes the logits.
    Torch.manualSeed(11)
    let (masked, extras) = try withHeads.btdnetForward(images, tokenIDs: ids, tokenMask: mask)
    let batch = try XCTUnwrap(extras.masking)
    Torch.manualSeed(11)
    _ = try on.btdnet.masking(images: images, ids: ids, tokenMask: mask)
    let onMaskedInputs = try plain(batch.images, tokenIDs: batch.ids, tokenMask: mask)
    XCTAssertEqual(try (masked.logits - onMaskedInputs).abs().amax().double(), 0)
    XCTAssertGreaterThan(try (masked.logits - lavt).abs().amax().double(), 1e-3)
  }

  func testEverythingOnTrainsEveryParameterAndReportsEachTerm() throws {
    Torch.manualSeed(5)
    var all = variant(bsc: true, twin: true, dmols: true)
    all.btdnet.masking.sampleFraction = 1  // mask both samples so every head sees data
    all.btdnet.masking.patchSize = 16
    let model = try ReferringSegmenter(all, bert: tinyBert)
    model.train()
    let (images, ids, mask, target) = try textInputs()
    let (output, extras) = try model.btdnetForward(images, tokenIDs: ids, tokenMask: mask)
    XCTAssertEqual(output.fusionMaps.map(\.shape), [[2, 1, 16, 16], [2, 1, 8, 8], [2, 1, 4, 4], [2, 1, 2, 2]])
    XCTAssertEqual(extras.correlationMaps.count, 4)
    XCTAssertEqual(extras.targetMaps.map(\.shape), [[2, 1, 4, 4], [2, 1, 8, 8], [2, 1, 16, 16]])
    XCTAssertEqual(extras.wordLogits?.shape, [2, 6, 120])
    XCTAssertEqual(extras.pixelReconstruction?.shape, [2, 3, 64, 64])
    XCTAssertEqual(try XCTUnwrap(extras.masking).samples.scalars(as: Bool.self), [true, true])

    let terms = try BTDNetLoss(classWeights: all.classWeights, weights: all.btdnet.loss)(
      logits: output.logits, outputs: extras, target: target)
    XCTAssertEqual(terms.map(\.name), ["ce", "dice", "twin", "correlation", "words", "pixels", "total"])
    try terms.last!.value.backward()
    // Every parameter receives a gradient except BERT's embedding tables (12 tokens use few of
    // their rows) and the last stage's res_gate, whose gated x feeds no later stage (as in LAVT).
    let params = try model.namedParameters().filter {
      !$0.key.hasPrefix("text_encoder.embeddings.") && !$0.key.hasPrefix("backbone.layers.3.res_gate.")
    }
    for (key, p) in params {
      XCTAssertGreaterThan(try XCTUnwrap(p.grad, key).abs().sum().double(), 0, key)
    }
    XCTAssertTrue(params.contains { $0.key == "backbone.layers.2.fusion.correlation.tau" })
    XCTAssertTrue(params.contains { $0.key == "classifier.background_maps.0.weight" })
    XCTAssertTrue(params.contains { $0.key == "dmols.word_head.bias" })

    // The weighted extras a referring task adds to its cross-entropy.
    Torch.manualSeed(9)
    let (logits, extraTerms) = try model.btdnetTrainingOutput(images, tokenIDs: ids, tokenMask: mask, targets: target)
    XCTAssertEqual(logits.shape, [2, 2, 64, 64])
    XCTAssertEqual(extraTerms.map(\.name), ["dice", "twin", "correlation", "words", "pixels"])
  }

  func testShippedConfigsAreTheLAVTRecipeWithTheComponentsOn() throws {
    let configs = TextTestPaths.packageRoot.appendingPathComponent("configs")
    for dataset in ["rrsisd", "refsegrs"] {
      let btdnet = try ReferringTrainingConfig.load(path: configs.appendingPathComponent("\(dataset)-btdnet.yaml").path)
      var lavt = try ReferringTrainingConfig.load(path: configs.appendingPathComponent("\(dataset)-lavt.yaml").path)
      XCTAssertTrue(btdnet.bsc && btdnet.twinDecoder && btdnet.dmols)
      XCTAssertEqual(btdnet.btdnet, BTDNetSettings(), "spec §3 weights and rates")
      (lavt.bsc, lavt.twinDecoder, lavt.dmols) = (true, true, true)
      XCTAssertEqual(btdnet, lavt, "everything else is LAVT's recipe")
      let network = try btdnet.lavtConfig(bert: tinyBert)
      XCTAssertTrue(network.bsc && network.twinDecoder && network.dmols)
    }
    let ablation = try ReferringTrainingConfig.load(
      path: configs.appendingPathComponent("rrsisd-btdnet.yaml").path, overrides: ["dmols=false", "btdnet={loss: {twin: 0.5}}"])
    XCTAssertFalse(ablation.dmols)
    XCTAssertEqual(ablation.btdnet.loss.twin, 0.5)
    XCTAssertEqual(ablation.btdnet.loss.dice, 0.1)
  }

  func testLAVTTrainsWithoutExtraTerms() throws {
    Torch.manualSeed(5)
    let model = try ReferringSegmenter(config, bert: tinyBert)
    model.train()
    let (images, ids, mask, target) = try textInputs()
    let (logits, extra) = try model.btdnetTrainingOutput(images, tokenIDs: ids, tokenMask: mask, targets: target)
    XCTAssertEqual(logits.shape, [2, 2, 64, 64])
    XCTAssertTrue(extra.isEmpty)
    for (flags, names) in [((false, true), ["dice", "twin"]), ((true, false), ["dice", "correlation"])] {
      let one = try ReferringSegmenter(variant(bsc: flags.0, twin: flags.1), bert: tinyBert)
      one.train()
      let terms = try one.trainingOutput(images, tokenIDs: ids, tokenMask: mask, targets: target).extraTerms
      XCTAssertEqual(terms.map(\.name), names)
    }
  }
}
