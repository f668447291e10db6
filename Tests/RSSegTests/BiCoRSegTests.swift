import Foundation
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class BiCoRSegTests: XCTestCase {
  /// The fixture's `config` metadata.
  private func fixtureConfigJSON() throws -> Data {
    let file = try SafeTensors.read(parityFolder().appendingPathComponent("bicor_tiny.safetensors").path)
    return Data(try XCTUnwrap(file.metadata["config"]).utf8)
  }

  func testFixtureConfigDecodes() throws {
    let config = try JSONDecoder().decode(BiCoRSegConfig.self, from: fixtureConfigJSON())
    XCTAssertEqual(config.encoder.dims, [16, 32, 64, 128])
    XCTAssertEqual(config.encoder.depths, [2, 1, 2, 1])
    XCTAssertEqual(config.encoder.stochasticDepth, 0)
    XCTAssertEqual(config.embedDim, 32)
    XCTAssertEqual(config.classes, 7)
    XCTAssertEqual(config.ignoreIndex, 7)
    XCTAssertEqual(config.layers, 2)
    XCTAssertEqual(config.topkRatio, 0.02)
    XCTAssertEqual(config.minPixels, 16)
    XCTAssertEqual(config.tau, 1)
    XCTAssertEqual(config.lambdaFilm, 0.5)
    XCTAssertTrue(config.inModelFisher)
    XCTAssertNoThrow(try config.validate())
    XCTAssertEqual(config.topk(pixels: 32 * 32), 20)
  }

  func testConfigRoundTripsThroughJSON() throws {
    let config = BiCoRSegPreset.loveda.model
    let decoded = try JSONDecoder().decode(BiCoRSegConfig.self, from: JSONEncoder().encode(config))
    XCTAssertEqual(decoded, config)
  }

  func testTopkRoundsHalfToEvenLikePython() {
    let config = BiCoRSegConfig(classes: 2, layers: 1, topkRatio: 0.5, minPixels: 1)
    XCTAssertEqual(config.topk(pixels: 5), 2, "round(2.5) == 2 in Python")
    XCTAssertEqual(config.topk(pixels: 7), 4, "round(3.5) == 4 in Python")
    XCTAssertEqual(BiCoRSegConfig(classes: 2, layers: 1, topkRatio: 0.02, minPixels: 64).topk(pixels: 32), 32)
  }

  func testPresets() throws {
    XCTAssertEqual(try BiCoRSegPreset.named("Potsdam").model.layers, 3)
    XCTAssertEqual(BiCoRSegPreset.vaihingen.model.layers, 2)
    XCTAssertEqual(BiCoRSegPreset.loveda.model.ignoreIndex, 7)
    XCTAssertEqual(BiCoRSegPreset.potsdam.model.ignoreIndex, 6)
    XCTAssertTrue(BiCoRSegPreset.loveda.model.inModelFisher)
    XCTAssertFalse(BiCoRSegPreset.potsdam.model.inModelFisher)
    for preset in BiCoRSegPreset.all {
      XCTAssertEqual(preset.classes.count, preset.model.classes, preset.name)
      XCTAssertEqual(Int(preset.classes.ignoreIndex), preset.model.ignoreIndex, preset.name)
      XCTAssertEqual(preset.bands.count, 3, preset.name)
      XCTAssertNoThrow(try preset.model.validate())
    }
    XCTAssertEqual(BiCoRSegPreset.potsdam.classes.palette[4], RGB(255, 204, 0))
    XCTAssertEqual(BiCoRSegPreset.vaihingen.bands, ["nir", "red", "green"])
    XCTAssertEqual(BiCoRSegPreset.loveda.training.lr, 8e-5)
    XCTAssertThrowsError(try BiCoRSegPreset.named("mars"))
  }

  func testConvNeXtPresetsAndDropRates() throws {
    XCTAssertEqual(try ConvNeXtConfig.preset(named: "B"), .base)
    let rates = ConvNeXtConfig.base.blockDropRates
    XCTAssertEqual(rates.count, 36)
    XCTAssertEqual(rates.first, 0)
    XCTAssertEqual(rates.last!, 0.5, accuracy: 1e-12)
    XCTAssertThrowsError(try ConvNeXtConfig(dims: [1, 2, 3], depths: [1, 1, 1]).validate())
  }
}

/// `<package root>/../shared/parity`, found from this file's path.
func parityFolder(file: String = #filePath) -> URL {
  var url = URL(fileURLWithPath: file).deletingLastPathComponent()
  while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
    url = url.deletingLastPathComponent()
  }
  return url.deletingLastPathComponent().appendingPathComponent("shared/parity")
}

final class BiCoRSegModelTests: XCTestCase {
  /// (name, shape) rows of the reference Potsdam state dict.
  private func referencePotsdamStateDict() throws -> [(String, [Int])] {
    let url = parityFolder().deletingLastPathComponent().appendingPathComponent("spec/bicor_potsdam_state_dict.tsv")
    return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line in
      guard !line.hasPrefix("#") else { return nil }
      let fields = line.split(separator: "\t")
      let dims = fields[1].dropFirst().dropLast().split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
      return (String(fields[0]), dims)
    }
  }

  private let tinyConfig = BiCoRSegConfig(
    encoder: ConvNeXtConfig(dims: [16, 32, 64, 128], depths: [2, 1, 2, 1]), embedDim: 32, classes: 7, layers: 2,
    topkRatio: 0.02, minPixels: 16, inModelFisher: true)

  func testPotsdamMatchesTheReferenceStateDict() throws {
    let model = try BiCoRSeg(BiCoRSegPreset.potsdam.model)
    XCTAssertEqual(try model.parameterCount(), 90_106_112)
    let ours = try model.orderedStateDict().map { ($0.key, $0.tensor.shape) }
    let reference = try referencePotsdamStateDict()
    XCTAssertEqual(ours.map(\.0), reference.map(\.0))
    XCTAssertEqual(ours.map(\.1), reference.map(\.1))
  }

  func testOutputsPerMode() throws {
    let model = try BiCoRSeg(tinyConfig)
    let x = try Tensor.randn([2, 3, 64, 64])
    model.eval()
    let evalOut = try model.forward(x)
    XCTAssertEqual(evalOut.seg.shape, [2, 7, 64, 64])
    XCTAssertNil(evalOut.aux)
    XCTAssertNil(evalOut.fisherFinal)
    model.train()
    let trainOut = try model.forward(x)
    XCTAssertEqual(trainOut.aux?.shape, [2, 7, 64, 64])
    XCTAssertEqual(trainOut.fisherFinal?.shape, [])
    XCTAssertEqual(trainOut.heatmaps.map(\.shape), [[2, 7, 16, 16], [2, 7, 16, 16]])
    XCTAssertEqual(trainOut.classEmbeddings.map(\.shape), [[2, 7, 32], [2, 7, 32]])
    XCTAssertThrowsError(try model(Tensor.randn([2, 4, 64, 64])))
    XCTAssertThrowsError(try model(Tensor.randn([1, 3, 66, 64])), "sizes must be multiples of 4")
    XCTAssertEqual(try model(Tensor.randn([1, 3, 100, 36])).shape, [1, 7, 100, 36])
  }

  func testPoolingWeightsKeepTopKAndFallBack() throws {
    let config = BiCoRSegConfig(classes: 2, layers: 1, topkRatio: 0.5, minPixels: 1)
    let layer = try HBISLayer(config: config)
    let heat = try Tensor([0.1, 0.4, 0.3, 0.2, 0, 0, 0, 0] as [Float], shape: [1, 2, 4])
    let w = try layer.poolingWeights(heat).scalars(as: Float.self)
    // k = round(0.5 · 4) = 2: pixels 1 and 2 of class 0; class 1 sums to 0 and falls back.
    XCTAssertEqual(w[0], 0)
    XCTAssertEqual(w[1], 0.4 / (0.7 + 1e-6), accuracy: 1e-6)
    XCTAssertEqual(w[2], 0.3 / (0.7 + 1e-6), accuracy: 1e-6)
    XCTAssertEqual(w[3], 0)
    XCTAssertEqual(Array(w[4...]), [0, 0, 0, 0])

    // k = S keeps every pixel: plain normalisation.
    let all = try HBISLayer(config: BiCoRSegConfig(classes: 2, layers: 1, topkRatio: 1, minPixels: 1)).poolingWeights(heat)
    let expected = try heat / (heat.sum(dim: -1, keepDim: true) + 1e-6)
    XCTAssertEqual(try (all - expected).abs().amax().double(), 0)
  }

  func testLoadsLightningStateDictStrictly() throws {
    let source = try BiCoRSeg(tinyConfig)
    let lightning = Dictionary(uniqueKeysWithValues: try source.stateDict().map { ("net." + $0.key, $0.value) })
    let target = try BiCoRSeg(tinyConfig)
    try target.loadReference(lightning)
    let a = try source.stateDict()["decoder.bicor_stack.layers.1.gate_mlp.2.weight"]!
    let b = try target.stateDict()["decoder.bicor_stack.layers.1.gate_mlp.2.weight"]!
    XCTAssertEqual(try (a - b).abs().amax().double(), 0)
    var incomplete = lightning
    incomplete.removeValue(forKey: "net.decoder.class_dict.class_embed.weight")
    XCTAssertThrowsError(try target.loadReference(incomplete)) { error in
      XCTAssertTrue("\(error)".contains("decoder.class_dict.class_embed.weight"), "\(error)")
    }
  }

  func testLoadsLightningWeightFile() throws {
    let source = try BiCoRSeg(tinyConfig)
    let tensors = try source.orderedStateDict().map { ("net." + $0.key, $0.tensor) }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("bicor-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try SafeTensors.write(tensors, to: path)
    let target = try BiCoRSeg(tinyConfig)
    try target.loadReference(path: path)
    let key = "encoder.0.5.1.block.3.weight"
    XCTAssertEqual(try (source.stateDict()[key]! - target.stateDict()[key]!).abs().amax().double(), 0)
  }
}
