import Foundation
import Torch
import XCTest
@testable import RSSeg

final class BackgroundWriterTests: XCTestCase {
  /// Records the blocks it is given (slowly, so that writes pile up) and fails at `failAt`.
  private final class RecordingWriter: SceneWriter, @unchecked Sendable {
    let files = SceneFiles(["unused"])
    var written: [Int] = []
    let failAt: Int?
    init(failAt: Int?) { self.failAt = failAt }
    func write(_ block: PredictedBlock) throws {
      usleep(2000)
      if block.x == failAt { throw InferenceError.invalidArgument("block \(block.x) failed") }
      written.append(block.x)
    }
    func finish() throws {}
  }

  private func block(_ i: Int) throws -> PredictedBlock {
    PredictedBlock(x: i, y: 0, logits: try Tensor.zeros([2, 1, 1]))
  }

  func testWritesEveryBlockInOrder() throws {
    let writer = RecordingWriter(failAt: nil)
    let background = BackgroundWriter(writer)
    for i in 0..<20 { try background.write(block(i)) }
    try background.finish()
    XCTAssertEqual(writer.written, Array(0..<20))
  }

  func testTheFirstFailureComesBackAndStopsTheWrites() throws {
    let writer = RecordingWriter(failAt: 5)
    let background = BackgroundWriter(writer)
    var thrown: Error?
    for i in 0..<20 {
      do { try background.write(block(i)) } catch {
        thrown = error
        break
      }
    }
    if thrown == nil { XCTAssertThrowsError(try background.finish()) { thrown = $0 } } else { try? background.finish() }
    XCTAssertTrue("\(thrown.map { "\($0)" } ?? "")".contains("block 5 failed"), "\(String(describing: thrown))")
    XCTAssertEqual(writer.written, Array(0..<5), "nothing is written after the failing block")
  }
}
