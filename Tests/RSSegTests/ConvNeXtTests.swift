import Foundation
import XCTest
import Torch
@testable import RSSeg
@testable import RSSegModels

final class ConvNeXtTests: XCTestCase {
  private let tiny = ConvNeXtConfig(dims: [8, 16, 24, 32], depths: [1, 2, 1, 1])

  func testTorchvisionNamesAndShapes() throws {
    let model = try ConvNeXt(tiny)
    let params = try model.namedParameters()
    let shapes = Dictionary(uniqueKeysWithValues: params.map { ($0.key, $0.tensor.shape) })
    XCTAssertEqual(shapes["features.0.0.weight"], [8, 3, 4, 4])
    XCTAssertEqual(shapes["features.0.1.weight"], [8])
    XCTAssertEqual(shapes["features.1.0.layer_scale"], [8, 1, 1])
    XCTAssertEqual(shapes["features.1.0.block.0.weight"], [8, 1, 7, 7])
    XCTAssertEqual(shapes["features.1.0.block.2.bias"], [8])
    XCTAssertEqual(shapes["features.1.0.block.3.weight"], [32, 8])
    XCTAssertEqual(shapes["features.1.0.block.5.weight"], [8, 32])
    XCTAssertEqual(shapes["features.2.0.weight"], [8])
    XCTAssertEqual(shapes["features.2.1.weight"], [16, 8, 2, 2])
    XCTAssertEqual(shapes["features.3.1.block.3.bias"], [64])
    XCTAssertEqual(shapes["features.7.0.block.5.bias"], [32])
    XCTAssertEqual(params.count, 4 + 5 * 9 + 3 * 4, "stem, 5 blocks, 3 downsamplers")
    XCTAssertTrue(params.allSatisfy { $0.tensor.requiresGrad })
  }

  func testTorchvisionParameterCounts() throws {
    // torchvision's convnext_tiny has 28,589,128 parameters, of which the classifier
    // (LayerNorm2d(768) + Linear(768, 1000)) holds 770,536.
    XCTAssertEqual(try ConvNeXt(.tiny).parameterCount(), 28_589_128 - 770_536)
  }

  func testStageOutputsAndInit() throws {
    let model = try ConvNeXt(tiny)
    model.eval()
    let stages = try model(Tensor.randn([2, 3, 64, 64]))
    XCTAssertEqual(stages.map(\.shape), [[2, 8, 16, 16], [2, 16, 8, 8], [2, 24, 4, 4], [2, 32, 2, 2]])
    let scale = try model.features.namedParameters().first { $0.key == "1.0.layer_scale" }!.tensor
    XCTAssertEqual(try scale.scalars(as: Float.self), Array(repeating: 1e-6, count: 8))
    let stemBias = try model.features.namedParameters().first { $0.key == "0.0.bias" }!.tensor
    XCTAssertEqual(try stemBias.abs().amax().double(), 0)
  }

  func testStochasticDepthOnlyInTraining() throws {
    var config = tiny
    config.stochasticDepth = 0.9
    config.layerScale = 1
    let model = try ConvNeXt(config)
    let x = try Tensor.randn([8, 3, 32, 32])
    model.eval()
    let a = try model(x)[3]
    let b = try model(x)[3]
    XCTAssertEqual(try (a - b).abs().amax().double(), 0, "evaluation is deterministic")
    model.train()
    Torch.manualSeed(1)
    let c = try model(x)[3]
    XCTAssertGreaterThan(try (a - c).abs().amax().double(), 0, "training drops blocks")
  }

  func testLoadsTorchvisionWeightsAndIgnoresClassifier() throws {
    let source = try ConvNeXt(tiny)
    var file = try source.stateDict()
    file["classifier.0.weight"] = try Tensor.ones([32])
    file["classifier.2.weight"] = try Tensor.zeros([10, 32])
    let target = try ConvNeXtFeatures(tiny)
    let report = try target.loadTorchvision(file)
    XCTAssertEqual(report.ignored, ["classifier.0.weight", "classifier.2.weight"])
    XCTAssertEqual(report.loaded.count, try target.namedParameters().count)
    let loaded = try target.namedParameters().first { $0.key == "3.1.block.3.weight" }!.tensor
    XCTAssertEqual(try (loaded - file["features.3.1.block.3.weight"]!).abs().amax().double(), 0)

    file.removeValue(forKey: "features.0.0.weight")
    XCTAssertThrowsError(try ConvNeXtFeatures(tiny).loadTorchvision(file)) { error in
      XCTAssertTrue("\(error)".contains("0.0.weight"), "\(error)")
    }
  }

  func testLoadsTorchvisionWeightFile() throws {
    let source = try ConvNeXt(tiny)
    var tensors = try source.orderedStateDict()
    tensors.append(("classifier.2.bias", try Tensor.zeros([10])))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("convnext-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try SafeTensors.write(tensors, to: path)
    let report = try ConvNeXtFeatures(tiny).loadTorchvision(path: path)
    XCTAssertEqual(report.ignored, ["classifier.2.bias"])
    XCTAssertEqual(report.loaded.count, tensors.count - 1)
    XCTAssertTrue(report.description.hasPrefix("loaded 61 tensors; ignored 1"), report.description)
    XCTAssertThrowsError(try ConvNeXtFeatures(tiny).loadTorchvision(path: path + ".missing"))
  }
}
