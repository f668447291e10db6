import Foundation
import XCTest

/// Runs `rsseg init` and `rsseg import` on a tiny configuration.
final class ModelFileCommandsTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-modelfile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let config = #"{"dims": [8, 16, 24, 32], "depths": [1, 1, 1, 1], "embed_dim": 16, "classes": 7, "layers": 1, "topk_ratio": 0.02, "min_pixels": 16, "has_fisher_loss": true}"#
    try config.write(to: folder.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  func testInitThenImport() throws {
    let created = try runRSSeg(["init", "--preset", "loveda", "--config", path("tiny.json"), "--seed", "3", "-o", path("a.safetensors")])
    XCTAssertEqual(created.status, 0, created.err)
    XCTAssertTrue(created.out.contains("BiCoR-Seg loveda, 30680 parameters"), created.out)

    let imported = try runRSSeg(["import", path("a.safetensors"), "--preset", "loveda", "--config", path("tiny.json"), "-o", path("b.safetensors")])
    XCTAssertEqual(imported.status, 0, imported.err)
    XCTAssertTrue(imported.out.contains("all keys loaded"), imported.out)
  }

  func testMismatchesAreReported() throws {
    let created = try runRSSeg(["init", "--preset", "loveda", "--config", path("tiny.json"), "-o", path("a.safetensors")])
    XCTAssertEqual(created.status, 0, created.err)
    let wrongNetwork = try runRSSeg(["import", path("a.safetensors"), "--preset", "loveda", "-o", path("b.safetensors")])
    XCTAssertNotEqual(wrongNetwork.status, 0)
    XCTAssertTrue(wrongNetwork.err.contains("shape mismatch for encoder.0.0.0.weight"), wrongNetwork.err)
    let wrongClasses = try runRSSeg(["init", "--preset", "potsdam", "--config", path("tiny.json"), "-o", path("c.safetensors")])
    XCTAssertTrue(wrongClasses.err.contains("7 classes but preset 'potsdam' names 6"), wrongClasses.err)
    let unknown = try runRSSeg(["init", "--preset", "mars", "-o", path("d.safetensors")])
    XCTAssertTrue(unknown.err.contains("unknown BiCoR-Seg preset 'mars'"), unknown.err)
  }
}
