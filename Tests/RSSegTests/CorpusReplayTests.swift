import Foundation
import FuzzEntryPoints
import XCTest

/// Replays every file of the fuzz corpora (`Fuzz/corpus/<target>/`: the seeds and what fuzzing
/// found) through the fuzz targets' entry points, without sanitizers: each input is accepted or
/// rejected with an error that names the file; none breaks an invariant or crashes the process.
final class CorpusReplayTests: XCTestCase {
  private static let fuzz = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

  /// Seeds made from valid fixtures, which must be accepted.
  private static let valid: [FuzzTarget: [String]] = [
    .safetensors: ["expected.safetensors", "small.safetensors", "every-dtype.safetensors", "misaligned.safetensors"],
    .checkpoint: ["state_dict.pth", "legacy.pth", "lightning_like.ckpt", "refs.p", "plain-p0.pkl", "plain-p2.pkl", "plain-p5.pkl"],
    .wordpiece: ["vocab.txt"],
    .config: ["dubai-demo.yaml", "vaihingen.yaml", "minimal.yaml", "anchors.yaml"],
    .raster: ["s0-png", "s0-jpg", "s1-png", "s2-deflate-tif", "s3-lzw-tif"],
    .coco: ["rrsisd-instances.json", "polygons.json", "rle.json"],
  ]

  private func replay(_ target: FuzzTarget, folders: [URL]) throws {
    var count = 0
    var accepted: Set<String> = []
    var rejected: [String: String] = [:]
    for folder in folders {
      for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where !name.hasPrefix(".") {
        let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
        count += 1
        switch target.run(bytes) {
        case .accepted: accepted.insert(name)
        case .rejected(let message):
          rejected[name] = message
          XCTAssertTrue(message.contains(target.scratchPath), "\(target) \(name): the error does not name the file: \(message)")
        case .broken(let message): XCTFail("\(target) \(name): \(message)")
        }
      }
    }
    XCTAssertGreaterThan(count, 0, "no corpus for \(target)")
    for name in Self.valid[target] ?? [] { XCTAssertTrue(accepted.contains(name), "\(target): valid seed \(name) was rejected: \(rejected[name] ?? "")") }
    try? FileManager.default.removeItem(atPath: target.scratchPath)
  }

  private func corpus(_ target: FuzzTarget) -> URL { Self.fuzz.appendingPathComponent("corpus/\(target.rawValue)") }

  func testSafetensorsCorpus() throws { try replay(.safetensors, folders: [corpus(.safetensors)]) }
  /// The checkpoint corpus and every hostile pickle of `Fuzz/hostile`.
  func testCheckpointCorpus() throws {
    try replay(.checkpoint, folders: [corpus(.checkpoint), Self.fuzz.appendingPathComponent("hostile")])
  }
  func testWordPieceCorpus() throws { try replay(.wordpiece, folders: [corpus(.wordpiece)]) }
  func testConfigCorpus() throws { try replay(.config, folders: [corpus(.config)]) }
  func testRasterCorpus() throws { try replay(.raster, folders: [corpus(.raster)]) }
  func testCOCOCorpus() throws { try replay(.coco, folders: [corpus(.coco)]) }

  /// Every target has a corpus (a new target without seeds would replay nothing).
  func testEveryTargetHasACorpus() {
    for target in FuzzTarget.allCases {
      XCTAssertTrue(FileManager.default.fileExists(atPath: corpus(target).path), "\(target)")
    }
  }
}
