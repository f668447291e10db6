import Foundation
import XCTest

@testable import RSSeg
@testable import RSSegModels

final class TextParityTests: XCTestCase {
  private func verify(_ fixture: URL) throws -> ParityReport {
    try ParityChecker.verify(path: fixture.path, kinds: [TextParity(bert: TextTestPaths.minilm)] + ParityChecker.kinds)
  }

  func testFixturePasses() throws {
    let report = try verify(TextTestPaths.fixture)
    XCTAssertTrue(report.passed, report.lines.joined(separator: "\n"))
    XCTAssertEqual(report.lines.last, "parity: ok")
    XCTAssertEqual(report.comparisons.map(\.name), ["ids_full", "ids20", "mask20", "input_ids", "last_hidden_state"])
    XCTAssertEqual(report.groups, ["tokenizer", "encoder"])
  }

  func testTextFixturesNeedTheModelFolder() {
    XCTAssertThrowsError(try ParityChecker.verify(path: TextTestPaths.fixture.path)) { error in
      XCTAssertTrue("\(error)".hasSuffix("a text fixture needs the BERT model folder it was made with"), "\(error)")
    }
  }

  /// A fixture with one wrong id fails, naming the field and the sentence.
  func testWrongIdsFail() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("textparity-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: TextTestPaths.fixture)) as? [String: Any])
    var rows = try XCTUnwrap(json["rows"] as? [[String: Any]])
    XCTAssertEqual(rows[7]["text"] as? String, "bikeway along the sidewalk")
    rows[7]["ids_full"] = [101, 7997, 2247, 1996, 11996, 102]
    json["rows"] = rows
    let broken = folder.appendingPathComponent("broken.json")
    try JSONSerialization.data(withJSONObject: json).write(to: broken)
    try FileManager.default.createSymbolicLink(
      at: folder.appendingPathComponent("broken.safetensors"), withDestinationURL: TextTestPaths.hiddenStates)
    let report = try verify(broken)
    XCTAssertFalse(report.passed)
    XCTAssertEqual(report.failures.map(\.name), ["ids_full"])
    XCTAssertTrue(report.summary.hasPrefix("parity: FAILED ids_full (1 of 25 sentences differ; first \"bikeway along the sidewalk\""), report.summary)
  }
}
