import Foundation
import Torch
import XCTest

@testable import RSSeg

/// configs/synthetic-referring.yaml as it is (a tiny LAVT with the bundled MiniLM text encoder,
/// 48 px, 6 epochs) learns the generated RRSIS-D-format dataset of the README: on held-out scenes
/// it finds the shape a sentence names far better than the best prediction that ignores the
/// sentence (every shape of the image).
final class ReferringLearningTests: XCTestCase {
  private var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-reflearn-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

  func testTinyLAVTLearnsWhichShapeTheSentenceMeans() throws {
    let fixture = try ReferringLearningFixture(root: root)
    let (learned, steps) = try fixture.train("lavt")
    XCTAssertLessThanOrEqual(steps, 200)
    let baseline = try fixture.everyShapeBaseline()
    print("referring learning: \(steps) steps; every-shape oIoU \(baseline); LAVT \(learned)")
    // Margins: see ReferringLearningFixture.
    XCTAssertGreaterThan(learned["oIoU"]!, baseline + ReferringLearningFixture.oIoUMargin, "LAVT \(learned), every-shape oIoU \(baseline)")
    XCTAssertGreaterThan(learned["P@0.5"]!, ReferringLearningFixture.minimumP50, "LAVT \(learned)")
  }
}
