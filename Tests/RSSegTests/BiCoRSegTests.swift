import Foundation
import XCTest
@testable import RSSeg

final class BiCoRSegTests: XCTestCase {
  /// The fixture's `config` metadata, read from the safetensors header (8-byte length + JSON).
  private func fixtureConfigJSON() throws -> Data {
    let url = parityFolder().appendingPathComponent("bicor_tiny.safetensors")
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    let lengthBytes = try XCTUnwrap(handle.read(upToCount: 8))
    let length = lengthBytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    let header = try XCTUnwrap(handle.read(upToCount: Int(UInt64(littleEndian: length))))
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: header) as? [String: Any])
    let metadata = try XCTUnwrap(object["__metadata__"] as? [String: String])
    return Data(try XCTUnwrap(metadata["config"]).utf8)
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
      XCTAssertEqual(preset.classNames.count, preset.model.classes, preset.name)
      XCTAssertEqual(preset.palette.count, preset.model.classes, preset.name)
      XCTAssertNoThrow(try preset.model.validate())
    }
    XCTAssertEqual(BiCoRSegPreset.potsdam.palette[4], [255, 204, 0])
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
