import Foundation
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class LAVTTests: XCTestCase {
  private var fixturePath: String { parityFolder().appendingPathComponent("lavt_tiny.safetensors").path }
  /// The fixture's model: embed 16, depths 2-2-2-2, heads 1-2-2-4, window 4, words 32 wide.
  private let config = LAVTConfig(
    swin: SwinConfig(embedDim: 16, depths: [2, 2, 2, 2], numHeads: [1, 2, 2, 4], windowSize: 4), langDim: 32)

  private var tinyBert: BertConfig {
    var bert = BertConfig()
    bert.vocabSize = 40
    bert.hiddenSize = 32
    bert.numHiddenLayers = 1
    bert.numAttentionHeads = 2
    bert.intermediateSize = 64
    bert.maxPositionEmbeddings = 24
    return bert
  }

  func testParityFixturePasses() throws {
    let report = try ParityChecker.verify(path: fixturePath)
    XCTAssertTrue(report.passed, report.lines.joined(separator: "\n"))
    XCTAssertEqual(report.kind, "lavt parity fixture")
    XCTAssertEqual(report.groups, ["eval outputs", "train outputs", "losses", "gradients"])
    XCTAssertEqual(report.comparisons.filter { $0.group == "train outputs" }.count, 5)
    XCTAssertEqual(report.comparisons.filter { $0.group == "gradients" }.count, 199)
    XCTAssertEqual(report.comparisons.count, 1 + 5 + 1 + 199, "every stored tensor is compared")
  }

  func testStateDictKeysAreTheOfficialOnes() throws {
    let fixture = try ParityFixture(path: fixturePath)
    let expected = Set(fixture.tensorNames.filter { $0.hasPrefix("param.") }.map { String($0.dropFirst("param.".count)) })
    let model = try LAVT(config)
    let keys = try model.orderedStateDict().map(\.key)
    XCTAssertEqual(Set(keys), expected)
    XCTAssertEqual(keys.count, expected.count)
    XCTAssertTrue(keys.contains("backbone.layers.0.fusion.image_lang_att.f_query.0.weight"))
  }

  func testConfigJSONAndBTDNetSwitches() throws {
    let json = #"{"swin": {"embed_dim": 16, "depths": [2, 2, 2, 2], "num_heads": [1, 2, 2, 4], "window_size": 4}, "lang_dim": 32}"#
    let decoded = try JSONDecoder().decode(LAVTConfig.self, from: Data(json.utf8))
    XCTAssertEqual(decoded, config)
    XCTAssertEqual(decoded.fusionHeads, [1, 1, 1, 1])
    XCTAssertEqual(decoded.classWeights, [0.9, 1.1])
    XCTAssertFalse(decoded.bsc || decoded.twinDecoder || decoded.dmols)
    XCTAssertEqual(try JSONDecoder().decode(LAVTConfig.self, from: JSONEncoder().encode(LAVTConfig.paper())), .paper())
    XCTAssertEqual(LAVTConfig.paper().swin, .base)
    XCTAssertEqual(LAVTConfig.paper().swin.dropPathRate, 0.3)

    var btdnet = config
    btdnet.bsc = true
    btdnet.dmols = true
    XCTAssertNoThrow(try LAVT(btdnet), "BTDNet's components build (BTDNetModelTests covers them)")
    var threeStages = config
    threeStages.swin.depths = [2, 2, 2]
    threeStages.swin.numHeads = [1, 1, 1]
    XCTAssertThrowsError(try threeStages.validate())
  }

  func testOddInputSizes() throws {
    Torch.manualSeed(2)
    let model = try LAVT(config)
    model.eval()
    let words = try Tensor.randn([2, 32, 5])
    let mask = try Tensor([1, 1, 1, 0, 0, 1, 1, 1, 1, 1] as [Float], shape: [2, 5, 1])
    let out = try Torch.withNoGrad { try model.forward(Tensor.randn([2, 3, 70, 53]), words: words, tokenMask: mask) }
    XCTAssertEqual(out.logits.shape, [2, 2, 70, 53])
    XCTAssertEqual(out.stages.map(\.shape), [[2, 16, 18, 14], [2, 32, 9, 7], [2, 64, 5, 4], [2, 128, 3, 2]])
    XCTAssertEqual(out.decoder.logits.shape, [2, 2, 18, 14])
    XCTAssertTrue(out.fusionMaps.isEmpty)
    XCTAssertThrowsError(try model(Tensor.randn([2, 3, 64, 64]), words: Tensor.randn([2, 16, 5]), tokenMask: mask))
  }

  func testPaddingWordsAreIgnored() throws {
    Torch.manualSeed(4)
    let model = try LAVT(config)
    model.eval()
    let x = try Tensor.randn([1, 3, 32, 32])
    let words = try Tensor.randn([1, 32, 6])
    let mask = try Tensor([1, 1, 1, 1, 0, 0] as [Float], shape: [1, 6, 1])
    let other = try words.clone()
    try other.set(.all, .all, 4..., to: Tensor.randn([1, 32, 2]) * 100)
    let a = try Torch.withNoGrad { try model(x, words: words, tokenMask: mask) }
    let b = try Torch.withNoGrad { try model(x, words: other, tokenMask: mask) }
    XCTAssertLessThan(try (a - b).abs().amax().double(), 1e-5)
  }

  func testSwinWeightsLoadIntoTheMultiModalBackbone() throws {
    let official = try SwinTransformer(config.swin).stateDict().filter { !$0.key.hasPrefix("norm") }
    let tensors = Dictionary(uniqueKeysWithValues: official.map { ("model." + $0.key, $0.value) })
    let model = try LAVT(config)
    let report = try SwinCheckpoint.load(tensors, into: model.backbone)
    XCTAssertEqual(report.loaded.count, official.count)
    XCTAssertEqual(report.ignored, [])
    XCTAssertTrue(report.fresh.contains("layers.2.fusion.image_lang_att.f_key.0.weight"))
    XCTAssertTrue(report.fresh.contains("layers.3.res_gate.2.weight"))
    XCTAssertTrue(report.fresh.contains("norm0.weight"))
    let loaded = try model.backbone.stateDict()
    XCTAssertEqual(try (loaded["layers.1.blocks.1.attn.qkv.weight"]! - official["layers.1.blocks.1.attn.qkv.weight"]!).abs().amax().double(), 0)
  }

  func testReferringSegmenterRunsBertThenLAVT() throws {
    Torch.manualSeed(6)
    let model = try ReferringSegmenter(config, bert: tinyBert)
    model.eval()
    let keys = Set(try model.stateDict().keys)
    XCTAssertTrue(keys.contains("text_encoder.embeddings.word_embeddings.weight"))
    XCTAssertTrue(keys.contains("text_encoder.encoder.layer.0.attention.self.query.weight"))
    XCTAssertTrue(keys.contains("backbone.layers.0.fusion.image_lang_att.f_query.0.weight"))
    XCTAssertTrue(keys.contains("classifier.conv1_4.weight"))
    XCTAssertFalse(keys.contains { $0.contains("pooler") })

    let images = try Tensor.randn([2, 3, 48, 40])
    let ids = try Tensor([2, 7, 9, 3, 0, 0, 2, 11, 12, 13, 14, 3] as [Int64], shape: [2, 6])
    let mask = try Tensor([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1] as [Int64], shape: [2, 6])
    let logits = try Torch.withNoGrad { try model(images, tokenIDs: ids, tokenMask: mask) }
    XCTAssertEqual(logits.shape, [2, 2, 48, 40])
    let expected = try Torch.withNoGrad {
      let words = try model.textEncoder(ids, tokenMask: mask).permute([0, 2, 1])
      return try model(images, words: words, tokenMask: mask.to(.float32).unsqueeze(-1))
    }
    XCTAssertEqual(try (logits - expected).abs().amax().double(), 0)

    var wide = config
    wide.langDim = 64
    XCTAssertThrowsError(try ReferringSegmenter(wide, bert: tinyBert)) { XCTAssertTrue("\($0)".contains("hidden_size 32"), "\($0)") }
  }

  /// `checkpoint_swin` recomputes each stage's blocks, and its fusion and gate, in backward:
  /// outputs and gradients equal the plain run's, for PWAM (LAVT) and for BSC (BTDNet, whose
  /// fusion also refines the words and returns a map).
  func testRecomputedStagesGiveTheSameOutputsAndGradients() throws {
    for btdnet in [false, true] {
      var lavt = config
      lavt.swin.dropPathRate = 0.3  // the recomputation must draw the same stochastic-depth masks
      if btdnet { (lavt.bsc, lavt.twinDecoder, lavt.dmols) = (true, true, true) }
      var bert = tinyBert
      bert.vocabSize = 120  // BTDNet's word masking uses [MASK], id 103
      Torch.manualSeed(8)
      let model = try ReferringSegmenter(lavt, bert: bert)
      model.train()
      let images = try Tensor.randn([2, 3, 32, 32])
      let ids = try Tensor([2, 7, 9, 3, 0, 0, 2, 11, 12, 13, 14, 3] as [Int64], shape: [2, 6])
      let mask = try Tensor([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1] as [Int64], shape: [2, 6])
      let targets = try Tensor.randint(0, 2, [2, 32, 32])
      func run(checkpoint: Bool) throws -> (loss: Double, grads: [String: Tensor]) {
        model.backbone.useCheckpoint = checkpoint
        for p in try model.parameters() { try p.setGrad(nil) }
        Torch.manualSeed(12)
        let (logits, extra) = try model.btdnetTrainingOutput(images, tokenIDs: ids, tokenMask: mask, targets: targets)
        let loss = try extra.reduce(logits.square().mean()) { try $0 + $1.value }
        try loss.backward()
        return (try loss.double(), try Dictionary(uniqueKeysWithValues: model.namedParameters().compactMap { k, p in p.grad.map { (k, $0) } }))
      }
      let plain = try run(checkpoint: false)
      let recomputed = try run(checkpoint: true)
      XCTAssertEqual(plain.loss, recomputed.loss, accuracy: 1e-6, "btdnet \(btdnet)")
      XCTAssertEqual(Set(plain.grads.keys).symmetricDifference(recomputed.grads.keys), [], "btdnet \(btdnet)")
      XCTAssertTrue(plain.grads.keys.contains("backbone.layers.0.fusion.vis_project.0.weight"), "\(plain.grads.keys.sorted().prefix(40))")
      for (key, grad) in plain.grads {
        XCTAssertLessThan(try (grad - recomputed.grads[key]!).abs().amax().double(), 1e-5, "btdnet \(btdnet): \(key)")
      }
    }
  }

  func testLossWeightsClasses() throws {
    let logits = try Tensor([2, 0, 0, 1] as [Float], shape: [1, 2, 1, 2])  // pixel 0 says background, pixel 1 target
    let target = try Tensor([1, 1] as [Int64], shape: [1, 1, 2])
    let loss = try LAVTLoss()(logits, target).double()
    // Both pixels are targets (weight 1.1 each): the weighted mean is the plain mean of −log p.
    let expected = (log(1 + exp(2.0)) + log(1 + exp(-1.0))) / 2
    XCTAssertEqual(loss, expected, accuracy: 1e-6)
    let mixed = try LAVTLoss()(logits, Tensor([0, 1] as [Int64], shape: [1, 1, 2])).double()
    XCTAssertEqual(mixed, (0.9 * log(1 + exp(-2.0)) + 1.1 * log(1 + exp(-1.0))) / 2.0, accuracy: 1e-6)
  }
}

final class LAVTOptimizerGroupTests: XCTestCase {
  func testGroupsFollowTheOfficialTrainingScript() throws {
    var bert = BertConfig()
    (bert.vocabSize, bert.hiddenSize, bert.numHiddenLayers, bert.numAttentionHeads, bert.intermediateSize) = (10, 32, 12, 2, 16)
    let config = LAVTConfig(swin: SwinConfig(embedDim: 8, depths: [1, 1, 1, 1], numHeads: [1, 1, 1, 1], windowSize: 4), langDim: 32)
    let model = try ReferringSegmenter(config, bert: bert)
    let groups = try model.optimizerGroups(lr: 5e-5)
    XCTAssertEqual(groups.count, 4)
    XCTAssertEqual(groups.map { $0["weight_decay"] }, [0, nil, nil, nil])
    XCTAssertEqual(groups.map(\.lr), [5e-5, 5e-5, 5e-5, 5e-5])

    func ids(_ tensors: [Tensor]) -> Set<ObjectIdentifier> { Set(tensors.map(ObjectIdentifier.init)) }
    let named = Dictionary(uniqueKeysWithValues: try model.namedParameters().map { ($0.key, ObjectIdentifier($0.tensor)) })
    XCTAssertTrue(ids(groups[0].params).contains(named["backbone.layers.0.blocks.0.attn.relative_position_bias_table"]!))
    XCTAssertTrue(ids(groups[0].params).contains(named["backbone.norm2.weight"]!))
    XCTAssertTrue(ids(groups[0].params).contains(named["backbone.layers.1.downsample.norm.bias"]!))
    XCTAssertTrue(ids(groups[1].params).contains(named["backbone.layers.1.res_gate.0.weight"]!))
    XCTAssertTrue(ids(groups[2].params).contains(named["classifier.bn1_4.weight"]!))
    XCTAssertTrue(ids(groups[3].params).contains(named["text_encoder.encoder.layer.9.output.dense.weight"]!))
    let all = groups.flatMap(\.params)
    XCTAssertEqual(ids(all).count, all.count, "no parameter in two groups")
    let untrained = Set(named.keys).subtracting(try model.namedParameters().filter { ids(all).contains(ObjectIdentifier($0.tensor)) }.map(\.key))
    XCTAssertTrue(untrained.allSatisfy { $0.hasPrefix("text_encoder.embeddings.") || $0.hasPrefix("text_encoder.encoder.layer.1") && !$0.hasPrefix("text_encoder.encoder.layer.1.") },
      "\(untrained.sorted())")
    XCTAssertTrue(untrained.contains("text_encoder.encoder.layer.11.output.dense.weight"))
  }
}
