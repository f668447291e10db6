import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// Forward and backward passes, losses and an optimiser step with every parameter and input on
/// libtorch's `meta` device: a tensor that the code creates on the CPU by mistake (a constant, a
/// mask, a class-weight vector) meets a meta tensor and the op fails naming both devices and
/// itself. What holds on `meta` holds on `cuda`, which CI does not have.
final class DeviceAuditTests: XCTestCase {
  private let bicorConfig = BiCoRSegConfig(
    encoder: ConvNeXtConfig(dims: [16, 32, 64, 128], depths: [2, 1, 2, 1]), embedDim: 32, classes: 7, layers: 2,
    topkRatio: 0.02, minPixels: 16, inModelFisher: true)
  private let lavtConfig = LAVTConfig(
    swin: SwinConfig(embedDim: 16, depths: [2, 2, 2, 2], numHeads: [1, 2, 2, 4], windowSize: 4), langDim: 32)

  private var bert: BertConfig {
    var bert = BertConfig()
    (bert.vocabSize, bert.hiddenSize, bert.numHiddenLayers, bert.numAttentionHeads) = (120, 32, 1, 2)
    (bert.intermediateSize, bert.maxPositionEmbeddings) = (64, 24)
    return bert
  }

  /// Every parameter on meta with a meta gradient of its own shape.
  private func assertGradientsOnMeta(_ module: Module, file: StaticString = #filePath, line: UInt = #line) throws {
    for (key, p) in try module.namedParameters() {
      XCTAssertEqual(p.device, .meta, key, file: file, line: line)
      guard let grad = p.grad else { continue }  // unused on this pass (e.g. embeddings rows)
      XCTAssertEqual(grad.device, .meta, key, file: file, line: line)
      XCTAssertEqual(grad.shape, p.shape, key, file: file, line: line)
    }
  }

  /// One AdamW step (the trainer's optimiser) on the meta parameters.
  private func step(_ module: Module) throws {
    let optimizer = try AdamW(groups: [ParamGroup(module.parameters())], lr: 1e-3, weightDecay: 0.01)
    try optimizer.step()
  }

  func testModuleMovesToMetaKeepingItsParameters() throws {
    let model = try BiCoRSeg(bicorConfig)
    let before = try model.namedParameters().map { ($0.key, $0.tensor.shape, $0.tensor.requiresGrad) }
    try model.to(.meta)
    let after = try model.namedParameters()
    XCTAssertEqual(after.map(\.key), before.map(\.0))
    XCTAssertEqual(after.map(\.tensor.shape), before.map(\.1))
    XCTAssertEqual(after.map(\.tensor.requiresGrad), before.map(\.2))
    XCTAssertTrue(try model.stateDict().values.allSatisfy { $0.device == .meta })
  }

  func testAMisplacedCPUTensorFailsWithTheOpsName() throws {
    let x = try Tensor.randn([2, 3], device: .meta)
    XCTAssertThrowsError(try x + Tensor.ones([2, 3])) { error in
      let text = "\(error)"
      XCTAssertTrue(text.contains("meta") && text.contains("cpu"), text)
    }
  }

  func testBiCoRSegTrainingAndEvaluationStayOnTheDevice() throws {
    let model = try BiCoRSeg(bicorConfig)
    try model.to(.meta)
    model.train()
    let images = try Tensor.randn([2, 3, 64, 64], device: .meta)
    let labels = try Tensor.randint(0, 7, [2, 64, 64], device: .meta)
    let terms = try BiCoRSegLoss(ignoreIndex: 7)(model.forward(images), labels)
    XCTAssertEqual(terms.total.device, .meta)
    try terms.total.backward()
    try assertGradientsOnMeta(model)
    try step(model)
    model.eval()
    let logits = try Torch.withInferenceMode { try model.logitsWithHeatmaps(images) }
    XCTAssertEqual(logits.device, .meta)
    XCTAssertEqual(logits.shape, [2, 7 * 3, 64, 64])
  }

  func testEverySegmentationLossStaysOnTheDevice() throws {
    let logits = try Tensor.randn([2, 5, 8, 8], device: .meta).requiresGrad(true)
    let target = try Tensor.randint(0, 6, [2, 8, 8], device: .meta)
    let losses: [(String, any SegmentationLoss)] = [
      ("soft CE", SoftCrossEntropyLoss(ignoreIndex: 5)), ("dice", DiceLoss(ignoreIndex: 5)),
      ("soft CE + dice", SoftCEDiceLoss(ignoreIndex: 5)),
    ]
    for (name, loss) in losses {
      let value = try loss(logits, target)
      XCTAssertEqual(value.device, .meta, name)
      try value.backward()
    }
    let embeddings = try Tensor.randn([2, 5, 16], device: .meta).requiresGrad(true)
    try FisherDiscriminativeLoss()(embeddings).backward()
    let heatmaps = try (0..<2).map { _ in try Tensor.randn([2, 5, 4, 4], device: .meta).requiresGrad(true) }
    try HeatmapSupervisionLoss(main: SoftCEDiceLoss(ignoreIndex: 5), betas: [1, 1])(heatmaps, target).backward()
    let binary = try Tensor.randint(0, 2, [2, 8, 8], device: .meta)
    try LAVTLoss()(Tensor.randn([2, 2, 8, 8], device: .meta).requiresGrad(true), binary).backward()
    XCTAssertEqual(logits.grad?.device, .meta)
  }

  private func referringInputs() throws -> (images: Tensor, ids: Tensor, mask: Tensor, target: Tensor) {
    let ids = try Tensor([101, 7, 9, 11, 102, 0, 101, 11, 12, 13, 14, 102] as [Int64], shape: [2, 6]).to(.meta)
    let mask = try Tensor([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1] as [Int64], shape: [2, 6]).to(.meta)
    return (try Tensor.randn([2, 3, 64, 64], device: .meta), ids, mask, try Tensor.randint(0, 2, [2, 64, 64], device: .meta))
  }

  func testLAVTTrainingAndEvaluationStayOnTheDevice() throws {
    let model = try ReferringSegmenter(lavtConfig, bert: bert)
    try model.to(.meta)
    model.train()
    let (images, ids, mask, target) = try referringInputs()
    let (logits, extras) = try model.trainingOutput(images, tokenIDs: ids, tokenMask: mask, targets: target)
    XCTAssertTrue(extras.isEmpty)
    try LAVTLoss()(logits, target).backward()
    try assertGradientsOnMeta(model)
    try step(model)
    model.eval()
    XCTAssertEqual(try Torch.withInferenceMode { try model(images, tokenIDs: ids, tokenMask: mask) }.device, .meta)
  }

  func testBTDNetTrainingWithEveryComponentStaysOnTheDevice() throws {
    var config = lavtConfig
    (config.bsc, config.twinDecoder, config.dmols) = (true, true, true)
    (config.btdnet.masking.sampleFraction, config.btdnet.masking.patchSize) = (1, 16)
    let model = try ReferringSegmenter(config, bert: bert)
    try model.to(.meta)
    model.train()
    let (images, ids, mask, target) = try referringInputs()
    let (output, extras) = try model.btdnetForward(images, tokenIDs: ids, tokenMask: mask)
    let terms = try BTDNetLoss(classWeights: config.classWeights, weights: config.btdnet.loss)(
      logits: output.logits, outputs: extras, target: target)
    XCTAssertEqual(terms.map(\.name), ["ce", "dice", "twin", "correlation", "words", "pixels", "total"])
    try terms.last!.value.backward()
    try assertGradientsOnMeta(model)
    try step(model)
    model.eval()
    XCTAssertEqual(try Torch.withInferenceMode { try model(images, tokenIDs: ids, tokenMask: mask) }.device, .meta)
  }
}
