import Foundation
import XCTest

/// Runs the built `rsseg tokenize` and `rsseg verify-parity TEXT.json --bert DIR`.
final class TextCommandsTests: XCTestCase {
  private static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  private static let minilm = ProcessInfo.processInfo.environment["RSSEG_MINILM"].map { URL(fileURLWithPath: $0) }
    ?? packageRoot.appendingPathComponent(".deps/minilm")

  func testTokenizePrintsTokensIdsAndMask() throws {
    let vocab = Self.minilm.appendingPathComponent("vocab.txt").path
    let result = try runRSSeg(["tokenize", "--vocab", vocab, "--max-length", "8", "bikeway along the sidewalk"])
    XCTAssertEqual(result.status, 0, result.err)
    XCTAssertEqual(result.out, """
      bikeway along the sidewalk
        tokens: [CLS] bike ##way along the sidewalk [SEP] [PAD]
        ids:    101 7997 4576 2247 1996 11996 102 0
        mask:   1 1 1 1 1 1 1 0

      """)
    let missing = try runRSSeg(["tokenize", "--vocab", "/nonexistent/vocab.txt", "x"])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssertTrue(missing.err.contains("/nonexistent/vocab.txt: cannot read the vocabulary"), missing.err)
  }

  func testTextFixturePassesWithTheModelFolder() throws {
    let fixture = Self.packageRoot.appendingPathComponent("../shared/parity/text_minilm.json").standardizedFileURL.path
    let result = try runRSSeg(["verify-parity", fixture, "--bert", Self.minilm.path])
    XCTAssertEqual(result.status, 0, result.out + result.err)
    let lines = result.out.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.last, "parity: ok")
    XCTAssertTrue(lines.contains { $0.hasPrefix("tokenizer: 4 tensors, 0 failed") }, result.out)
    XCTAssertTrue(lines.contains { $0.hasPrefix("encoder: 1 tensors, 0 failed; worst last_hidden_state") }, result.out)

    let withoutModel = try runRSSeg(["verify-parity", fixture])
    XCTAssertNotEqual(withoutModel.status, 0)
    XCTAssertTrue(withoutModel.err.contains("--bert DIR"), withoutModel.err)
  }
}
