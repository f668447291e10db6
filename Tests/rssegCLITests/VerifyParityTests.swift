import Foundation
import XCTest

/// Runs the built `rsseg verify-parity` on the shared fixtures.
final class VerifyParityTests: XCTestCase {
  private static let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/parity")

  private func rsseg(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    #if os(macOS)
      let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }!.bundleURL.deletingLastPathComponent()
    #else
      let products = Bundle.main.bundleURL
    #endif
    let binary = products.appendingPathComponent("rsseg")
    try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: binary.path), "rsseg is not built at \(binary.path)")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
  }

  func testBiCoRSegFixturePasses() throws {
    let result = try rsseg(["verify-parity", Self.fixtures.appendingPathComponent("bicor_tiny.safetensors").path])
    XCTAssertEqual(result.status, 0, result.out + result.err)
    let lines = result.out.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.last, "parity: ok")
    for group in ["eval outputs", "train outputs", "losses", "gradients"] {
      XCTAssertTrue(lines.contains { $0.hasPrefix("\(group): ") && $0.contains(" 0 failed") }, "\(group) in\n\(result.out)")
    }
  }

  func testFixtureWithoutConfigFails() throws {
    let result = try rsseg(["verify-parity", Self.fixtures.appendingPathComponent("text_minilm.safetensors").path])
    XCTAssertNotEqual(result.status, 0)
    XCTAssertTrue(result.err.contains("no parity check for this fixture (no `config` entry"), result.err)
  }
}
