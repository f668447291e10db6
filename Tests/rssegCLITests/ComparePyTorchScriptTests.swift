import Foundation
import XCTest

/// `scripts/compare-pytorch` against two stand-ins that print fixed JSON lines and log their
/// calls: the rounds' order, the commands each side gets, the ratios and the atomic report.
final class ComparePyTorchScriptTests: XCTestCase {
  private var folder: URL!
  private let script = packageRoot.appendingPathComponent("scripts/compare-pytorch")

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-compare-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try standIn("rsseg", json: #"""
      {"cpu": "simd=TEST", "forward_gflops": 50.0, "matmul_peak_gflops": {"fp32": 100.0, "bf16": 200.0},
       "eval_fp32_s": {"wall": 1.0, "cpu": 2.0}, "train_step_s": {"wall": 3.0, "cpu": 6.0}, "train_peak_rss_mb": 100.0,
       "eval_fp32_roofline": {"floor_s": 0.5, "fraction": 0.5}}
      """#)
    try standIn("python", json: #"""
      {"eval_fp32_s": {"wall": 2.0, "cpu": 4.0}, "train_step_s": {"wall": 4.0, "cpu": 8.0}, "train_peak_rss_mb": 400.0}
      """#)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  /// An executable that appends its name and arguments to calls.log and prints `json` on one line.
  private func standIn(_ name: String, json: String) throws {
    let line = json.replacingOccurrences(of: "\n", with: " ")
    let body = "#!/bin/sh\necho \"\(name) $*\" >> '\(path("calls.log"))'\necho 'warming up'\necho '\(line)'\n"
    try body.write(toFile: path(name), atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path(name))
  }

  private func compare(_ arguments: [String]) throws -> CommandResult {
    try runProcess(script, arguments + ["--rsseg", path("rsseg"), "--python", path("python")])
  }

  func testRoundsAlternateAndRatiosAreEachSidesTimes() throws {
    let result = try compare(["--preset", "lavt", "--rounds", "2", "--skip-bf16", "--out", path("report.json")])
    XCTAssertEqual(result.status, 0, result.err)
    let calls = try String(contentsOfFile: path("calls.log"), encoding: .utf8).split(separator: "\n").map(String.init)
    XCTAssertEqual(calls.map { $0.split(separator: " ")[0] }, ["rsseg", "python", "python", "rsseg"])
    XCTAssertTrue(calls[0].hasSuffix("bench model --preset lavt --device cpu --size 480 --repeats 1 --threads 2 "
      + "--train-precision fp32 --skip-bf16"), calls[0])
    XCTAssertTrue(calls[1].contains("scripts/reference-lavt.py --size 480 --repeats 1"), calls[1])
    // Per round, ratio per round, median, best against best, and for eval rsseg's floor.
    let train = "| train step (s) | 3.00, 3.00 | 4.00, 4.00 | 0.75, 0.75 | 0.75× | 0.75× |"
    let eval = "| eval fp32 (s) | 1.00, 1.00 | 2.00, 2.00 | 0.50, 0.50 | 0.50× | 0.50× | 0.50 (50%), 0.50 (50%) |"
    XCTAssertTrue(result.out.contains(train), result.out)
    XCTAssertTrue(result.out.contains(eval), result.out)

    let reportData = try Data(contentsOf: URL(fileURLWithPath: path("report.json")))
    let report = try JSONSerialization.jsonObject(with: reportData) as! [String: Any]
    let comparison = report["comparison"] as! [String: [String: Any]]
    XCTAssertEqual(comparison["train_peak_rss_mb"]?["best_ratio"] as? Double, 0.25)
    XCTAssertEqual((report["rounds"] as! [[String: Any]]).map { $0["first"] as! String }, ["rsseg", "pytorch"])
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
    XCTAssertEqual(leftovers, [])
  }

  func testBiCoRSegPresetsNameTheirPresetToTheReference() throws {
    let result = try compare(["--preset", "potsdam", "--rounds", "1", "--skip-train"])
    XCTAssertEqual(result.status, 0, result.err)
    let calls = try String(contentsOfFile: path("calls.log"), encoding: .utf8)
    XCTAssertTrue(calls.contains("scripts/reference-bicor.py --size 512"), calls)
    XCTAssertTrue(calls.contains("--skip-train --preset potsdam"), calls)
  }

  func testBadInputIsRefusedWithItsReason() throws {
    let missing = try runProcess(script, ["--rsseg", path("nowhere"), "--python", path("python")])
    XCTAssertEqual(missing.status, 2)
    XCTAssertTrue(missing.err.contains("\(path("nowhere")): no executable rsseg binary"), missing.err)
    let lookahead = try compare(["--preset", "vaihingen", "--optimizer-in-backward"])
    XCTAssertTrue(lookahead.err.contains("only the lavt preset"), lookahead.err)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("calls.log")), "nothing may run after a refusal")
  }
}
