import Foundation
import Torch
import XCTest

@testable import RSSeg

/// A tiny BTDNet (configs/synthetic-referring.yaml with BSC, T-BTD and D-MOLS on) learns the
/// generated referring task: it clearly beats the prediction that ignores the sentence, by the
/// same margin as the tiny LAVT of `ReferringLearningTests`. Whether it beats LAVT is a
/// benchmark over seeds (scripts/bench-referring-seeds), not a test.
final class BTDNetLearningTests: XCTestCase {
  private var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-btdlearn-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

  func testTinyBTDNetLearnsWhichShapeTheSentenceMeans() throws {
    let fixture = try ReferringLearningFixture(root: root)
    // 48-pixel images: 16-pixel patches give D-MOLS 9 patches to mask 2 of.
    let (learned, steps) = try fixture.train(
      "btdnet", overrides: ["bsc=true", "twin_decoder=true", "dmols=true", "btdnet={masking: {patch_size: 16}}"])
    XCTAssertLessThanOrEqual(steps, 200)
    let baseline = try fixture.everyShapeBaseline()
    print("BTDNet learning: \(steps) steps; every-shape oIoU \(baseline); BTDNet \(learned)")
    XCTAssertGreaterThan(learned["oIoU"]!, baseline + ReferringLearningFixture.oIoUMargin, "BTDNet \(learned), every-shape oIoU \(baseline)")
    XCTAssertGreaterThan(learned["P@0.5"]!, ReferringLearningFixture.minimumP50, "BTDNet \(learned)")
  }
}
