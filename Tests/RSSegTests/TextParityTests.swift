import Foundation
import XCTest

@testable import RSSeg

final class TextParityTests: XCTestCase {
  func testFixturePasses() throws {
    var lines: [String] = []
    let ok = try TextParity.check(fixture: TextTestPaths.fixture, bert: TextTestPaths.minilm) { lines.append($0) }
    XCTAssertTrue(ok, lines.joined(separator: "\n"))
    XCTAssertEqual(lines.last, "parity: ok")
    XCTAssertTrue(lines.contains { $0.hasPrefix("encoder last_hidden_state (8 sentences): max |Δ| ") }, "\(lines)")
  }

  /// A fixture with one wrong id fails, naming the group and the sentence.
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
    try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("broken.safetensors"), withDestinationURL: TextTestPaths.hiddenStates)
    var lines: [String] = []
    XCTAssertFalse(try TextParity.check(fixture: broken, bert: TextTestPaths.minilm) { lines.append($0) })
    XCTAssertEqual(lines.last, "parity: FAILED ids_full")
    XCTAssertTrue(lines.contains { $0.hasPrefix("tokenizer ids_full: 1 of 25 sentences differ; first: \"bikeway along the sidewalk\"") }, "\(lines)")
  }
}
