import Foundation
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class ModelFileTests: XCTestCase {
  private let config = BiCoRSegConfig(
    encoder: ConvNeXtConfig(dims: [8, 16, 24, 32], depths: [1, 1, 1, 1]), embedDim: 16, classes: 6, layers: 1)

  private func temporaryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).safetensors").path
  }

  func testRoundTripRebuildsTheModel() throws {
    let model = try BiCoRSeg(config)
    let description = try ModelDescription(preset: .vaihingen, config: config, source: "test")
    let path = temporaryPath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    try ModelFile.write(model, description: description, to: path)

    let (loaded, read) = try BiCoRSeg.load(modelFile: path)
    XCTAssertEqual(read, description)
    XCTAssertEqual(read.bands, ["nir", "red", "green"])
    XCTAssertEqual(read.classes, .isprs)
    XCTAssertEqual(read.normalization, .imageNet)
    XCTAssertEqual(loaded.config, config)
    model.eval()
    loaded.eval()
    let x = try Tensor.randn([1, 3, 32, 32])
    XCTAssertEqual(try (model(x) - loaded(x)).abs().amax().double(), 0)

    // Plain safetensors readers see the PyTorch names and the metadata.
    let file = try SafeTensors.read(path)
    XCTAssertTrue(file.names.contains("decoder.class_dict.class_embed.weight"))
    XCTAssertEqual(file.metadata["architecture"], "bicor-seg")
    XCTAssertEqual(file.metadata["class_names"], #"["ImSurf","Building","LowVeg","Tree","Car","Clutter"]"#)
  }

  func testRejectsFilesThatAreNotModelFiles() throws {
    let path = temporaryPath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    try SafeTensors.write([("w", try Tensor.zeros([2]))], to: path)
    XCTAssertThrowsError(try BiCoRSeg.load(modelFile: path)) { error in
      XCTAssertEqual(error as? ModelFileError, .missing(path: path, key: "format"))
    }

    var description = try ModelDescription(preset: .loveda, source: "test")
    description.architecture = "lavt"
    try ModelFile.write(try BiCoRSeg(config), description: description, to: path)
    XCTAssertThrowsError(try BiCoRSeg.load(modelFile: path)) { error in
      XCTAssertEqual(error as? ModelFileError, .architecture(path: path, found: "lavt", expected: "bicor-seg"))
    }
  }
}
