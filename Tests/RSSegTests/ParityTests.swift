import XCTest
import Torch
@testable import RSSeg
@testable import RSSegModels

final class ParityTests: XCTestCase {
  private var fixture: String { parityFolder().appendingPathComponent("bicor_tiny.safetensors").path }

  func testBiCoRSegFixturePasses() throws {
    let report = try ParityChecker.verify(path: fixture)
    let text = report.lines.joined(separator: "\n")
    XCTAssertTrue(report.passed, text)
    XCTAssertEqual(report.lines.last, "parity: ok")
    XCTAssertEqual(report.groups, ["eval outputs", "train outputs", "losses", "gradients"])
    XCTAssertEqual(report.comparisons.filter { $0.group == "gradients" }.count, 120)
    XCTAssertEqual(report.comparisons.filter { $0.group == "losses" }.count, 5)
    XCTAssertEqual(report.comparisons.count, 1 + 6 + 5 + 120, "every stored tensor is compared")
  }

  func testUnknownKindIsReported() throws {
    XCTAssertThrowsError(try ParityChecker.verify(path: fixture, kinds: [])) { error in
      XCTAssertTrue("\(error)".contains("no parity check for fixture kind 'bicor-seg parity fixture'"), "\(error)")
    }
    // A check list without the LAVT kind names the fixture's kind; the tokenizer fixture is JSON.
    let lavt = parityFolder().appendingPathComponent("lavt_tiny.safetensors").path
    XCTAssertThrowsError(try ParityChecker.verify(path: lavt, kinds: [BiCoRSegParity()])) { error in
      XCTAssertTrue("\(error)".contains("'lavt parity fixture'"), "\(error)")
    }
    let text = try ParityFixture(path: parityFolder().appendingPathComponent("text_minilm.json").path)
    XCTAssertEqual(text.kind?.hasPrefix("WordPiece parity"), true)
    XCTAssertEqual(text.tensorNames, [])
  }

  func testKindsCanClaimFixturesWithoutAKind() throws {
    struct BertOutputs: ParityFixtureKind {
      let kind = "bert outputs"
      func accepts(_ fixture: ParityFixture) -> Bool { fixture.metadata["model"]?.hasPrefix("BertModel") == true }
      func check(_ fixture: ParityFixture) throws -> ParityReport {
        ParityReport(kind: kind, notes: [], comparisons: [])
      }
    }
    let path = parityFolder().appendingPathComponent("text_minilm.safetensors").path
    let report = try ParityChecker.verify(path: path, kinds: ParityChecker.kinds + [BertOutputs()])
    XCTAssertEqual(report.kind, "bert outputs")
    XCTAssertEqual(report.summary, "parity: FAILED nothing compared")
  }

  func testComparisonTolerances() throws {
    let reference = try Tensor([0.5, -2, 1] as [Float])
    let close = try ParityComparison.compare(
      reference + 1e-4, reference, name: "x", group: "outputs", tolerance: .outputs)
    XCTAssertEqual(close.bound, 2e-4, accuracy: 1e-12, "1e-4 · max(1, max|ref|)")
    XCTAssertTrue(close.passed)
    let far = try ParityComparison.compare(reference + 3e-4, reference, name: "x", group: "outputs", tolerance: .outputs)
    XCTAssertFalse(far.passed)
    let grad = try ParityComparison.compare(reference, reference * 0.5, name: "g", group: "gradients", tolerance: .grads)
    XCTAssertEqual(grad.bound, 1e-3 + 1e-7, accuracy: 1e-12)
    XCTAssertFalse(grad.passed)
    let shape = try ParityComparison.compare(Tensor.zeros([2]), reference, name: "s", group: "outputs", tolerance: .outputs)
    XCTAssertFalse(shape.passed)
    let missing = try ParityComparison.compare(nil, reference, name: "m", group: "outputs", tolerance: .outputs)
    XCTAssertEqual(missing.problem, "not computed")

    let report = ParityReport(kind: "k", notes: [], comparisons: [close, far])
    XCTAssertEqual(report.summary, "parity: FAILED x")
    XCTAssertEqual(report.worst(in: "outputs")?.maxError ?? 0, far.maxError ?? -1)
  }
}

/// The training-loop fixture: seven optimiser steps of the official pipeline in float64.
final class TrainingParityTests: XCTestCase {
  private var fixture: String { parityFolder().appendingPathComponent("bicor_train_tiny.safetensors").path }

  func testBiCoRSegTrainingFixturePasses() throws {
    let report = try ParityChecker.verify(path: fixture)
    let text = report.lines.joined(separator: "\n")
    XCTAssertTrue(report.passed, text)
    XCTAssertEqual(report.lines.last, "parity: ok")
    XCTAssertEqual(report.groups, (1...7).map { "step \($0) losses" } + [
      "parameters after the last step", "Lookahead slow weights", "AdamW first moments", "AdamW second moments", "cosine schedule",
    ])
    XCTAssertEqual(report.comparisons.count, 7 * 5 + 4 * 120 + 1, "every stored result is compared")
  }

  /// The same fixture with one setting changed: the checker takes it from the fixture, so the
  /// steps it runs no longer match the stored results.
  private func altered(_ change: (inout [String: Any], inout [(String, Tensor)]) throws -> Void) throws -> String {
    let file = try SafeTensors.read(fixture)
    var tensors = try file.tensors()
    var config = try JSONSerialization.jsonObject(with: Data(file.metadata["config"]!.utf8)) as! [String: Any]
    try change(&config, &tensors)
    var metadata = file.metadata
    metadata["config"] = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("train-parity-\(UUID().uuidString).safetensors").path
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    try SafeTensors.write(tensors, metadata: metadata, to: path)
    return path
  }

  func testAnotherLookaheadPeriodFails() throws {
    let path = try altered { config, _ in
      var lookahead = config["lookahead"] as! [String: Any]
      lookahead["k"] = 2
      config["lookahead"] = lookahead
    }
    let report = try ParityChecker.verify(path: path)
    XCTAssertFalse(report.passed)
    XCTAssertTrue(report.comparisons.filter { $0.group == "step 1 losses" }.allSatisfy(\.passed), "step 1 runs before any update")
    XCTAssertFalse(report.comparisons.filter { $0.group == "Lookahead slow weights" }.allSatisfy(\.passed))
  }

  /// The schedule's ends (base rate, eta_min, T) come from the reference itself, so a value
  /// between them that is off is what shows a different schedule.
  func testAnotherScheduleFails() throws {
    let path = try altered { _, tensors in
      let i = tensors.firstIndex { $0.0 == "cosine.reference" }!
      var values = try tensors[i].1.scalars(as: Double.self)
      values[20] *= 1 + 1e-6  // 2e-11 on a rate of 2.5e-5: above the 1e-12 bound
      tensors[i].1 = try Tensor(values, shape: [values.count])
    }
    let report = try ParityChecker.verify(path: path)
    XCTAssertEqual(report.comparisons.filter { !$0.passed }.map(\.name), ["cosine.reference"])
  }
}
