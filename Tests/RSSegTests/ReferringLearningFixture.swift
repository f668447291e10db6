import Foundation
import Torch
import XCTest

@testable import RSSeg
@testable import RSSegModels

/// What the referring learning tests share: the generated dataset of the README (120 images of
/// 48 px, seed 5), training configs/synthetic-referring.yaml on it with overrides, and the
/// baseline a model must clearly beat to show that it reads the sentence.
///
/// The margins come from the spread over training seeds, measured with
/// `scripts/bench-referring-seeds` (README, "Referring learning across seeds"; AVX-512 CPU):
/// every-shape baseline oIoU 28.3; LAVT oIoU 51.4–54.2 (sd 1.1), P@0.5 58.9–63.6; BTDNet oIoU
/// 46.1–52.5 (sd 2.6), P@0.5 55.1–61.7. The tests run seed 0 (LAVT 52.0, BTDNet 51.7 here; 49.5
/// and 51.3 on an AVX2 CPU), and their thresholds (oIoU 38.3, P@0.5 40) lie more than 13 points
/// below those, 7.8 below the worst seed of either model: a CPU's rounding, which moves a run
/// by about as much as another seed, cannot cross them. One seed cannot rank two models a point
/// apart, so each model is tested against the baseline, not against the other.
struct ReferringLearningFixture {
  /// oIoU points a model must be above the every-shape baseline.
  static let oIoUMargin = 10.0
  /// P@0.5 (percent) a model must exceed.
  static let minimumP50 = 40.0

  let root: URL
  let data: URL

  init(root: URL) throws {
    self.root = root
    data = root.appendingPathComponent("data")
    try SyntheticReferringDataset.write(.init(images: 120, size: 48, seed: 5), to: data)
  }

  /// Trains the shipped config with `overrides` into run folder `name`; returns the validation
  /// metrics of the final network and its optimiser steps.
  func train(_ name: String, overrides: [String] = []) throws -> (metrics: [String: Double], steps: Int) {
    let shipped = TextTestPaths.packageRoot.appendingPathComponent("configs/synthetic-referring.yaml").path
    let config = try ReferringTrainingConfig.load(
      path: shipped,
      overrides: ["data=\(data.path)", "bert=\(TextTestPaths.minilm.path)", "validate_every=6", "progress=false"] + overrides)
    Torch.threads = 2
    let (task, options, _) = try ReferringTrainingTask.make(config)
    let outcome = try Trainer(task: task, options: options, folder: root.appendingPathComponent(name)).run()
    XCTAssertTrue(outcome.finished)
    task.network.eval()
    return (try Torch.withInferenceMode { try task.validate(on: .cpu) }, outcome.step)
  }

  /// oIoU (percent) on the validation split of predicting every object of a sample's image,
  /// whatever the sentence says: the best a model that ignores the text can do this simply.
  func everyShapeBaseline() throws -> Double {
    let dataset = try ReferringBenchmark.rrsisd.dataset(root: data, split: .val, options: ReferringOptions(size: (48, 48)))
    var targets: [String: [[UInt8]]] = [:]
    for (o, object) in dataset.objects.enumerated() {
      targets[object.imagePath, default: []].append(try dataset.load(ReferringSampleID(object: o, sentence: 0)).pixels.mask)
    }
    var scores = ReferringScores()
    for id in dataset.evaluationSamples() {
      let target = try dataset.load(id).pixels.mask
      let shapes = targets[dataset.objects[id.object].imagePath]!
      let everything = target.indices.map { p in UInt8(shapes.contains { $0[p] != 0 } ? 1 : 0) }
      try scores.add(predicted: everything, target: target)
    }
    return 100 * scores.overallIoU
  }
}
