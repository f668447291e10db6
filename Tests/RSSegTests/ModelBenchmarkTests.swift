import Foundation
import XCTest
@testable import RSSeg

final class ModelBenchmarkTests: XCTestCase {
  func testPeakMemoryFollowsATouchedAllocationAndResets() throws {
    try PeakMemory.reset()
    let before = try PeakMemory.megabytes()
    let bytes = 256 << 20
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
    for offset in stride(from: 0, to: bytes, by: 4096) { buffer.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) }
    let peak = try PeakMemory.megabytes()
    buffer.deallocate()
    XCTAssertGreaterThanOrEqual(peak - before, 250, "touching 256 MB raises the high-water mark")
    try PeakMemory.reset()
    XCTAssertLessThan(try PeakMemory.megabytes(), peak - 200, "reset brings the mark back to the current size")
  }

  func testRejectsSizesTheModelCannotTake() {
    let options = ModelBenchmark.Options(preset: .vaihingen, size: 500, threads: 1, repeats: 1, skipTrain: true)
    XCTAssertThrowsError(try ModelBenchmark.run(options)) { error in
      XCTAssertTrue("\(error)".contains("multiple of 32"), "\(error)")
    }
  }
}
