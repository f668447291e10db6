import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// Forward and backward passes, losses and an optimiser step with every parameter and input on
/// the `audit` device (host memory on libtorch's PrivateUse1 key, computed by the CPU kernels):
/// a tensor that the code creates on the CPU by mistake (a constant, a mask, a class-weight
/// vector) meets an audit tensor and the op fails naming itself and the argument, as it would on
/// `cuda`, which CI does not have.
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

  /// Every parameter on the audit device with a gradient there of its own shape.
  private func assertGradientsOnDevice(_ module: Module, file: StaticString = #filePath, line: UInt = #line) throws {
    for (key, p) in try module.namedParameters() {
      XCTAssertEqual(p.device, .audit, key, file: file, line: line)
      guard let grad = p.grad else { continue }  // unused on this pass (e.g. embeddings rows)
      XCTAssertEqual(grad.device, .audit, key, file: file, line: line)
      XCTAssertEqual(grad.shape, p.shape, key, file: file, line: line)
    }
  }

  /// One AdamW step (the trainer's optimiser) on the audit parameters.
  private func step(_ module: Module) throws {
    let optimizer = try AdamW(groups: [ParamGroup(module.parameters())], lr: 1e-3, weightDecay: 0.01)
    try optimizer.step()
  }

  func testModuleMovesToTheAuditDeviceKeepingItsParameters() throws {
    let model = try BiCoRSeg(bicorConfig)
    let before = try model.namedParameters().map { ($0.key, $0.tensor.shape, $0.tensor.requiresGrad) }
    try model.to(.audit)
    let after = try model.namedParameters()
    XCTAssertEqual(after.map(\.key), before.map(\.0))
    XCTAssertEqual(after.map(\.tensor.shape), before.map(\.1))
    XCTAssertEqual(after.map(\.tensor.requiresGrad), before.map(\.2))
    XCTAssertTrue(try model.stateDict().values.allSatisfy { $0.device == .audit })
  }

  func testAMisplacedCPUTensorFailsWithTheOpsName() throws {
    let x = try Tensor.randn([2, 3], device: .audit)
    XCTAssertEqual(x.device, .audit)
    // Structured kernels (add, cat, …) fail in libtorch's own device check, naming both devices.
    XCTAssertThrowsError(try x + Tensor.ones([2, 3])) { error in
      let text = "\(error)"
      XCTAssertTrue(text.contains("add") && text.contains("audit") && text.contains("cpu"), text)
    }
    // Every other op fails in the audit fallback, naming the op and the argument.
    XCTAssertThrowsError(try x.indexSelect(dim: 1, index: Tensor([0, 2] as [Int64], shape: [2]))) { error in
      let text = "\(error)"
      XCTAssertTrue(
        text.contains("aten::index_select: expected all tensors on the audit device, argument 2 (index) is on cpu"), text)
    }
    XCTAssertEqual(try x.indexSelect(dim: 1, index: Tensor([0, 2] as [Int64], shape: [2]).to(.audit)).shape, [2, 2])
    // A 0-dim CPU tensor is a scalar, which CUDA accepts too.
    XCTAssertEqual(try (x * Tensor.full([], .float(2))).device, .audit)
  }

  func testDeviceParsesAndPrints() throws {
    XCTAssertEqual(try Device(parsing: "audit"), .audit)
    XCTAssertEqual(Device.audit.description, "audit")
  }

  /// The fallback computes on the CPU: the audit device gives the CPU's values.
  func testAuditValuesEqualTheCPUOnes() throws {
    let model = try BiCoRSeg(bicorConfig)
    model.eval()
    let images = try Tensor.randn([1, 3, 64, 64])
    let expected = try Torch.withInferenceMode { try model.logitsWithHeatmaps(images) }
    try model.to(.audit)
    let logits = try Torch.withInferenceMode { try model.logitsWithHeatmaps(images.to(.audit)) }
    XCTAssertEqual(logits.device, .audit)
    XCTAssertEqual(logits.shape, expected.shape)
    let difference = try (logits.to(.cpu) - expected).abs().max().float()
    XCTAssertLessThanOrEqual(difference, 1e-6)
  }

  func testBiCoRSegTrainingAndEvaluationStayOnTheDevice() throws {
    let model = try BiCoRSeg(bicorConfig)
    try model.to(.audit)
    model.train()
    let images = try Tensor.randn([2, 3, 64, 64], device: .audit)
    let labels = try Tensor.randint(0, 7, [2, 64, 64], device: .audit)
    let terms = try BiCoRSegLoss(ignoreIndex: 7)(model.forward(images), labels)
    XCTAssertEqual(terms.total.device, .audit)
    try terms.total.backward()
    try assertGradientsOnDevice(model)
    try step(model)
    model.eval()
    let logits = try Torch.withInferenceMode { try model.logitsWithHeatmaps(images) }
    XCTAssertEqual(logits.device, .audit)
    XCTAssertEqual(logits.shape, [2, 7 * 3, 64, 64])
  }

  func testEverySegmentationLossStaysOnTheDevice() throws {
    let logits = try Tensor.randn([2, 5, 8, 8], device: .audit).requiresGrad(true)
    let target = try Tensor.randint(0, 6, [2, 8, 8], device: .audit)
    let losses: [(String, any SegmentationLoss)] = [
      ("soft CE", SoftCrossEntropyLoss(ignoreIndex: 5)), ("dice", DiceLoss(ignoreIndex: 5)),
      ("soft CE + dice", SoftCEDiceLoss(ignoreIndex: 5)),
    ]
    for (name, loss) in losses {
      let value = try loss(logits, target)
      XCTAssertEqual(value.device, .audit, name)
      try value.backward()
    }
    let embeddings = try Tensor.randn([2, 5, 16], device: .audit).requiresGrad(true)
    try FisherDiscriminativeLoss()(embeddings).backward()
    let heatmaps = try (0..<2).map { _ in try Tensor.randn([2, 5, 4, 4], device: .audit).requiresGrad(true) }
    try HeatmapSupervisionLoss(main: SoftCEDiceLoss(ignoreIndex: 5), betas: [1, 1])(heatmaps, target).backward()
    let binary = try Tensor.randint(0, 2, [2, 8, 8], device: .audit)
    try LAVTLoss()(Tensor.randn([2, 2, 8, 8], device: .audit).requiresGrad(true), binary).backward()
    XCTAssertEqual(logits.grad?.device, .audit)
  }

  private func referringInputs() throws -> (images: Tensor, ids: Tensor, mask: Tensor, target: Tensor) {
    let ids = try Tensor([101, 7, 9, 11, 102, 0, 101, 11, 12, 13, 14, 102] as [Int64], shape: [2, 6]).to(.audit)
    let mask = try Tensor([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1] as [Int64], shape: [2, 6]).to(.audit)
    return (try Tensor.randn([2, 3, 64, 64], device: .audit), ids, mask, try Tensor.randint(0, 2, [2, 64, 64], device: .audit))
  }

  func testLAVTTrainingAndEvaluationStayOnTheDevice() throws {
    let model = try ReferringSegmenter(lavtConfig, bert: bert)
    try model.to(.audit)
    model.train()
    let (images, ids, mask, target) = try referringInputs()
    let (logits, extras) = try model.trainingOutput(images, tokenIDs: ids, tokenMask: mask, targets: target)
    XCTAssertTrue(extras.isEmpty)
    try LAVTLoss()(logits, target).backward()
    try assertGradientsOnDevice(model)
    try step(model)
    model.eval()
    XCTAssertEqual(try Torch.withInferenceMode { try model(images, tokenIDs: ids, tokenMask: mask) }.device, .audit)
  }

  func testBTDNetTrainingWithEveryComponentStaysOnTheDevice() throws {
    var config = lavtConfig
    (config.bsc, config.twinDecoder, config.dmols) = (true, true, true)
    (config.btdnet.masking.sampleFraction, config.btdnet.masking.patchSize) = (1, 16)
    let model = try ReferringSegmenter(config, bert: bert)
    try model.to(.audit)
    model.train()
    let (images, ids, mask, target) = try referringInputs()
    let (output, extras) = try model.btdnetForward(images, tokenIDs: ids, tokenMask: mask)
    let terms = try BTDNetLoss(classWeights: config.classWeights, weights: config.btdnet.loss)(
      logits: output.logits, outputs: extras, target: target)
    XCTAssertEqual(terms.map(\.name), ["ce", "dice", "twin", "correlation", "words", "pixels", "total"])
    try terms.last!.value.backward()
    try assertGradientsOnDevice(model)
    try step(model)
    model.eval()
    XCTAssertEqual(try Torch.withInferenceMode { try model(images, tokenIDs: ids, tokenMask: mask) }.device, .audit)
  }
}
