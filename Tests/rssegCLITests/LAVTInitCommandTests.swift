import Foundation
import XCTest

/// Runs `rsseg init --architecture lavt` with the MiniLM BERT folder and a tiny LAVT.
final class LAVTInitCommandTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-lavt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let config = #"{"swin": {"embed_dim": 8, "depths": [1, 1, 1, 1], "num_heads": [1, 1, 2, 2], "window_size": 4}, "lang_dim": 384}"#
    try config.write(to: folder.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  private var minilm: String {
    ProcessInfo.processInfo.environment["RSSEG_MINILM"] ?? packageRoot.appendingPathComponent(".deps/minilm").path
  }

  func testInitWritesAReferringModelFile() throws {
    let result = try runRSSeg([
      "init", "--architecture", "lavt", "--bert", minilm, "--lavt-config", path("tiny.json"), "-o", path("m.safetensors"),
    ])
    XCTAssertEqual(result.status, 0, result.err)
    XCTAssertTrue(result.out.contains("LAVT with BERT 384-d (vocabulary 30522)"), result.out)
    let listing = try runRSSeg(["inspect", path("m.safetensors")])
    XCTAssertTrue(listing.out.contains("text_encoder.encoder.layer.5.output.dense.weight\tfloat32\t[384, 1536]"), listing.out)
    XCTAssertTrue(listing.out.contains("backbone.layers.3.fusion.image_lang_att.f_key.0.weight\tfloat32\t[64, 384, 1]"), listing.out)
  }

  func testArchitectureOptionsAreChecked() throws {
    let noBert = try runRSSeg(["init", "--architecture", "lavt", "-o", path("a.safetensors")])
    XCTAssertNotEqual(noBert.status, 0)
    XCTAssertTrue(noBert.err.contains("needs --bert DIR"), noBert.err)
    let mixed = try runRSSeg(["init", "--architecture", "lavt", "--bert", minilm, "--preset", "loveda", "-o", path("a.safetensors")])
    XCTAssertTrue(mixed.err.contains("are for bicor-seg"), mixed.err)
    let noPreset = try runRSSeg(["init", "-o", path("a.safetensors")])
    XCTAssertTrue(noPreset.err.contains("--preset is required"), noPreset.err)
    let unknown = try runRSSeg(["init", "--architecture", "unet", "-o", path("a.safetensors")])
    XCTAssertTrue(unknown.err.contains("unknown architecture 'unet'"), unknown.err)
  }
}
