import Foundation
import XCTest

/// Runs the built `rsseg` binary on the checkpoint fixtures and compares its lines.
final class InspectTests: XCTestCase {
  private static let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/parity/pth")

  private func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

  /// Values computed with numpy from expected.safetensors.
  func testStateDictWithStats() throws {
    let result = try runRSSeg(["inspect", fixture("state_dict.pth"), "--stats"])
    XCTAssertEqual(result.status, 0, result.err)
    XCTAssertEqual(result.out.split(separator: "\n").map(String.init), [
      "features.0.0.weight\tfloat32\t[16, 3, 4, 4]\t-3.18105\t3.56584\t-4.46716",
      "features.0.0.bias\tfloat32\t[16]\t-1.75771\t1.4098\t-0.238018",
      "features.1.0.layer_scale\tfloat32\t[16, 1, 1]\t-1.08703\t1.70243\t1.32322",
      "half.weight\tfloat16\t[5, 7]\t-1.98047\t1.69824\t-0.802155",
      "bf16.weight\tbfloat16\t[3, 4]\t-1.82031\t0.6875\t-1.32068",
      "double.weight\tfloat64\t[2, 3]\t-0.299146\t1.32104\t3.30047",
      "bn.num_batches_tracked\tint64\t[]\t12345\t12345\t12345",
      "index.buffer\tint64\t[3, 4]\t-6\t5\t-6",
      "mask.bool\tbool\t[2, 3]\t0\t1\t3",
      "uint8.values\tuint8\t[10]\t0\t225\t1125",
      "shared.a\tfloat32\t[3, 8]\t-1.65167\t2.4364\t6.48398",
      "shared.b\tfloat32\t[4, 8]\t-2.32561\t2.21242\t-4.9475",
      "transposed\tfloat32\t[8, 10]\t-2.32561\t2.4364\t4.55256",
      "scalar\tfloat32\t[]\t2.5\t2.5\t2.5",
      "empty\tfloat32\t[0, 4]\tnan\tnan\t0",
    ])
  }

  func testNestedCheckpointNames() throws {
    let result = try runRSSeg(["inspect", fixture("lightning_like.ckpt")])
    XCTAssertEqual(result.status, 0, result.err)
    XCTAssertEqual(result.out.split(separator: "\n").map(String.init), [
      "state_dict.net.features.0.0.weight\tfloat32\t[16, 3, 4, 4]",
      "state_dict.net.features.0.0.bias\tfloat32\t[16]",
      "state_dict.net.features.1.0.layer_scale\tfloat32\t[16, 1, 1]",
      "state_dict.net.half.weight\tfloat16\t[5, 7]",
      "optimizer_states.0.state.0.step\tfloat32\t[]",
      "optimizer_states.0.state.0.exp_avg\tfloat32\t[2]",
    ])
  }

  func testSafetensorsAndLegacyAgree() throws {
    let legacy = try runRSSeg(["inspect", fixture("legacy.pth"), "--stats"])
    let zip = try runRSSeg(["inspect", fixture("state_dict.pth"), "--stats"])
    XCTAssertEqual(legacy.status, 0, legacy.err)
    XCTAssertEqual(legacy.out, zip.out)
    let safetensors = try runRSSeg(["inspect", fixture("expected.safetensors")])
    XCTAssertEqual(safetensors.status, 0, safetensors.err)
    let lines = safetensors.out.split(separator: "\n")
    XCTAssertEqual(lines.count, 15)
    XCTAssertEqual(lines.first, "bn.num_batches_tracked\tint64\t[1]")
    XCTAssertEqual(lines.last, "mask.bool\tbool\t[2, 3]")
  }

  func testBadFileFailsWithMessage() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString).pth")
    try Data("not a checkpoint".utf8).write(to: path)
    defer { try? FileManager.default.removeItem(at: path) }
    let result = try runRSSeg(["inspect", path.path])
    XCTAssertNotEqual(result.status, 0)
    XCTAssertTrue(result.err.contains("not a PyTorch checkpoint"), result.err)
    XCTAssertTrue(result.out.isEmpty)
  }
}
