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
    // The LAVT fixture has a kind nobody registered yet; the tokenizer fixture is JSON.
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
