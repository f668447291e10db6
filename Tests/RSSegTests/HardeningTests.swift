import Foundation
import Torch
import XCTest

@testable import RSSeg
@testable import RSSegModels

/// Sizes and structures read from files are checked before anything large is allocated, and
/// training checkpoints carry checksums that catch damage after they were written.
final class HardeningTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-hardening-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func file(_ name: String, _ text: String) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  /// A file of `size` bytes (sparse: nothing is written).
  private func sparseFile(_ name: String, size: Int) throws -> URL {
    let url = folder.appendingPathComponent(name)
    FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    try handle.truncate(atOffset: UInt64(size))
    try handle.close()
    return url
  }

  private func assertThrows(_ body: @autoclosure () throws -> Any, _ texts: String..., file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
      for text in texts { XCTAssertTrue("\(error)".contains(text), "\(error)", file: file, line: line) }
    }
  }

  // MARK: - configs

  func testConfigLimits() throws {
    let base = "dataset: dubai\ndata: x\n"
    // "Billion laughs": 2^30 values from a few lines of aliases.
    var laughs = base + "l0: &l0 [x, x]\n"
    for k in 1...30 { laughs += "l\(k): &l\(k) [*l\(k - 1), *l\(k - 1)]\n" }
    let bomb = try file("laughs.yaml", laughs)
    assertThrows(try SegmentationTrainingConfig.load(path: bomb.path), bomb.path, "expands to more than 100000 values")
    let big = try sparseFile("big.yaml", size: 2 << 20)
    assertThrows(try SegmentationTrainingConfig.load(path: big.path), big.path, "too big for a config")
    let list = try file("list.yaml", "- dataset\n- data\n")
    assertThrows(try SegmentationTrainingConfig.load(path: list.path), "not a mapping")
    let date = try file("date.yaml", base + "seed: 2001-12-14\n")
    assertThrows(try SegmentationTrainingConfig.load(path: date.path), date.path, "not a number, string")
    let typo = try file("typo.yaml", base + "learning_rate: 0.1\n")
    assertThrows(try SegmentationTrainingConfig.load(path: typo.path), typo.path, "unknown key 'learning_rate'")
    let wrong = try file("wrong.yaml", base + "epochs: many\n")
    assertThrows(try SegmentationTrainingConfig.load(path: wrong.path), wrong.path)
    // Aliases within the budget are fine.
    let anchors = try file("anchors.yaml", base + "encoder_dims: &d [8, 16, 24, 32]\n")
    XCTAssertEqual(try SegmentationTrainingConfig.load(path: anchors.path).encoderDims, [8, 16, 24, 32])
  }

  // MARK: - vocabulary

  func testVocabularyLimits() throws {
    let huge = try sparseFile("vocab.txt", size: Vocabulary.maxFileSize + 1)
    assertThrows(try Vocabulary(contentsOf: huge), huge.path, "too big for a vocabulary")
    let many = try file("many.txt", String(repeating: "a\n", count: Vocabulary.maxTokens + 1))
    assertThrows(try Vocabulary(contentsOf: many), many.path, "more than a vocabulary may hold")
    let missing = try file("nocls.txt", "[PAD]\n[UNK]\n[SEP]\n")
    assertThrows(try WordPieceTokenizer(vocabularyAt: missing), missing.path, "no [CLS] token")
  }

  // MARK: - checkpoint checksums

  func testCRC32() {
    XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) }, 0xCBF4_3926)
    XCTAssertEqual([UInt8]().withUnsafeBytes { CRC32.checksum($0) }, 0)
    // Continuing over pieces gives the CRC of the whole.
    let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let whole = bytes.withUnsafeBytes { CRC32.checksum($0) }
    let first = bytes[..<333].withUnsafeBytes { CRC32.checksum($0) }
    XCTAssertEqual(bytes[333...].withUnsafeBytes { CRC32.checksum($0, continuing: first) }, whole)
  }

  func testDamagedCheckpointsAreReportedAndSkipped() throws {
    let store = CheckpointStore(run: folder)
    for step in [1, 2, 3] {
      try store.save("step-0000000\(step)") { dir in
        try SafeTensors.write([("w", try Tensor([Float(step), 2, 3, 4], shape: [4]))], to: dir.appendingPathComponent("model.safetensors").path)
        try Data("state \(step)".utf8).write(to: dir.appendingPathComponent("training-state.safetensors"))
      }
    }
    XCTAssertEqual(store.last, "step-00000003")
    var warnings: [String] = []
    XCTAssertEqual(store.lastGood { warnings.append($0) }, "step-00000003")
    XCTAssertEqual(warnings, [])

    // Truncate the last checkpoint's model, flip a byte in the one before.
    let model3 = store.path("step-00000003").appendingPathComponent("model.safetensors")
    let bytes = try Data(contentsOf: model3)
    try bytes.prefix(bytes.count - 4).write(to: model3)
    let state2 = store.path("step-00000002").appendingPathComponent("training-state.safetensors")
    try Data("state 9".utf8).write(to: state2)
    XCTAssertEqual(store.lastGood { warnings.append($0) }, "step-00000001")
    XCTAssertEqual(warnings.count, 2)
    XCTAssertTrue(warnings[0].contains("step-00000003: the checkpoint is damaged: model.safetensors has \(bytes.count - 4) bytes, \(bytes.count) were written (truncated)"), warnings[0])
    XCTAssertTrue(warnings[1].contains("step-00000002: the checkpoint is damaged: training-state.safetensors fails its CRC-32 check (corrupt)"), warnings[1])

    // A missing file is damage too; with nothing good left there is no checkpoint.
    try FileManager.default.removeItem(at: store.path("step-00000001").appendingPathComponent("model.safetensors"))
    XCTAssertNil(store.lastGood { _ in })
  }

  func testPartialCheckpointFoldersArePruned() throws {
    let store = CheckpointStore(run: folder)
    try FileManager.default.createDirectory(at: store.path(".step-00000007.partial"), withIntermediateDirectories: true)
    try store.save("step-00000008") { dir in try Data("x".utf8).write(to: dir.appendingPathComponent("model.safetensors")) }
    store.prune(keeping: ["step-00000008"])
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.folder.path).sorted(), ["last", "step-00000008"])
  }
}
