import Foundation
import XCTest

/// Runs the built `rsseg verify-parity` on the shared fixtures.
final class VerifyParityTests: XCTestCase {
  private static let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/parity")

  func testBiCoRSegFixturePasses() throws {
    let result = try runRSSeg(["verify-parity", Self.fixtures.appendingPathComponent("bicor_tiny.safetensors").path])
    XCTAssertEqual(result.status, 0, result.out + result.err)
    let lines = result.out.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.last, "parity: ok")
    for group in ["eval outputs", "train outputs", "losses", "gradients"] {
      XCTAssertTrue(lines.contains { $0.hasPrefix("\(group): ") && $0.contains(" 0 failed") }, "\(group) in\n\(result.out)")
    }
  }

  func testBiCoRSegTrainingFixturePasses() throws {
    let result = try runRSSeg(["verify-parity", Self.fixtures.appendingPathComponent("bicor_train_tiny.safetensors").path])
    XCTAssertEqual(result.status, 0, result.out + result.err)
    let lines = result.out.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.last, "parity: ok")
    for group in ["step 7 losses", "parameters after the last step", "Lookahead slow weights", "AdamW second moments", "cosine schedule"] {
      XCTAssertTrue(lines.contains { $0.hasPrefix("\(group): ") && $0.contains(" 0 failed") }, "\(group) in\n\(result.out)")
    }
  }

  func testFixtureWithoutConfigFails() throws {
    let result = try runRSSeg(["verify-parity", Self.fixtures.appendingPathComponent("text_minilm.safetensors").path])
    XCTAssertNotEqual(result.status, 0)
    XCTAssertTrue(result.err.contains("no parity check for this fixture (no `config` entry"), result.err)
  }
}
