import Foundation
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class ModelBenchmarkTests: XCTestCase {
  /// The 256 MB come straight from mmap: a malloc'd block may be carved from heap memory an
  /// earlier test freed but glibc kept resident, and touching it then raises nothing (seen in
  /// full runs).
  func testPeakMemoryFollowsATouchedAllocationAndResets() throws {
    try PeakMemory.reset()
    let before = try PeakMemory.megabytes()
    let bytes = 256 << 20
    let buffer = try XCTUnwrap(mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
    XCTAssertNotEqual(buffer, MAP_FAILED)
    for offset in stride(from: 0, to: bytes, by: 4096) { buffer.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) }
    let peak = try PeakMemory.megabytes()
    munmap(buffer, bytes)
    try PeakMemory.reset()
    let afterReset = try PeakMemory.megabytes()
    XCTAssertGreaterThanOrEqual(peak - before, 250, "touching 256 MB raises the high-water mark")
    XCTAssertLessThan(afterReset, peak - 200, "reset brings the mark back to the current size")
  }

  func testRejectsSizesTheModelCannotTake() {
    let options = ModelBenchmark.Options(preset: .vaihingen, size: 500, threads: 1, repeats: 1, skipTrain: true)
    XCTAssertThrowsError(try ModelBenchmark.run(options)) { error in
      XCTAssertTrue("\(error)".contains("multiple of 32"), "\(error)")
    }
  }

  func testTimesATinyBTDNet() throws {
    var lavt = LAVTConfig(swin: SwinConfig(embedDim: 8, depths: [1, 1, 1, 1], numHeads: [1, 1, 2, 2], windowSize: 4), langDim: 16)
    (lavt.bsc, lavt.twinDecoder, lavt.dmols) = (true, true, true)
    var bert = BertConfig()
    (bert.vocabSize, bert.hiddenSize, bert.numHiddenLayers, bert.numAttentionHeads, bert.intermediateSize) = (30522, 16, 1, 2, 32)
    var options = ModelBenchmark.Options(subject: .referring(name: "tiny-btdnet", lavt: lavt, bert: bert), size: 64, threads: 1, repeats: 1)
    options.skipBF16 = true
    let result = try ModelBenchmark.run(options)
    XCTAssertEqual(result.preset, "tiny-btdnet")
    XCTAssertGreaterThan(result.evalFP32.wall, 0)
    XCTAssertGreaterThan(try XCTUnwrap(result.trainStep).wall, 0)
    XCTAssertEqual(result.trainBatch, 2)
  }

  func testReferringSubjectsByName() throws {
    guard case .referring(let name, let lavt, let bert) = try ModelBenchmark.Subject.referring(named: "BTDNet") else {
      return XCTFail("not a referring subject")
    }
    XCTAssertEqual(name, "btdnet")
    XCTAssertTrue(lavt.bsc && lavt.twinDecoder && lavt.dmols)
    XCTAssertEqual(lavt.swin, .base)
    XCTAssertEqual(bert.hiddenSize, 768)
    XCTAssertEqual(try ModelBenchmark.Subject.referring(named: "lavt").name, "lavt")
    XCTAssertThrowsError(try ModelBenchmark.Subject.referring(named: "rmsin"))
  }

  func testEncoderSubjectTrainsInBF16AndReportsNoGPUMemoryOnTheCPU() throws {
    var preset = BiCoRSegPreset.vaihingen
    preset.model.encoder = ConvNeXtConfig(dims: [8, 16, 32, 64], depths: [1, 1, 1, 1])
    var options = ModelBenchmark.Options(subject: .encoder(preset), size: 64, threads: 1, repeats: 1)
    (options.skipBF16, options.trainBatch, options.trainPrecision) = (true, 1, .bf16)
    let result = try ModelBenchmark.run(options)
    XCTAssertEqual(result.preset, "vaihingen-encoder")
    XCTAssertEqual(result.trainPrecision, "bf16")
    XCTAssertGreaterThan(try XCTUnwrap(result.trainStep).wall, 0)
    XCTAssertNil(result.evalPeakGPUMB)
    XCTAssertNil(result.trainPeakGPUMB)
    // Rooflines: the counted forward over the measured bf16 peak, reached only partly.
    XCTAssertGreaterThan(result.forwardGFLOPs, 0)
    let train = try XCTUnwrap(result.trainRoofline)
    XCTAssertEqual(train.floorSeconds, 3 * result.forwardGFLOPs / result.matmulPeak.bf16, accuracy: 1e-9)
    XCTAssertGreaterThan(train.fraction, 0)
    XCTAssertLessThan(train.fraction, 1.5)
    // The peak's squares: up to 2048, smaller only where one product is slow (emulated bf16).
    XCTAssertTrue([512, 1024, 2048].contains(result.matmulPeak.size) && [512, 1024, 2048].contains(result.matmulPeak.bf16Size))
    options.trainPrecision = .fp16
    XCTAssertThrowsError(try ModelBenchmark.run(options)) { XCTAssertTrue("\($0)".contains("loss scaler"), "\($0)") }
  }
}
