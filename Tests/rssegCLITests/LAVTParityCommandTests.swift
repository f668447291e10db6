import Foundation
import XCTest

/// Runs the built `rsseg verify-parity` on the LAVT fixture.
final class LAVTParityCommandTests: XCTestCase {
  func testLAVTFixturePasses() throws {
    let fixture = sharedFolder.appendingPathComponent("parity/lavt_tiny.safetensors").path
    let result = try runRSSeg(["verify-parity", fixture])
    XCTAssertEqual(result.status, 0, result.out + result.err)
    let lines = result.out.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.last, "parity: ok")
    XCTAssertTrue(lines.contains { $0.hasPrefix("model: LAVT Swin embed 16 depths [2, 2, 2, 2]") }, result.out)
    for group in ["eval outputs", "train outputs", "losses", "gradients"] {
      XCTAssertTrue(lines.contains { $0.hasPrefix("\(group): ") && $0.contains(" 0 failed") }, "\(group) in\n\(result.out)")
    }
  }
}
