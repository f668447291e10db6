import ArgumentParser
import Foundation
import RSSeg
import RSSegModels
import Torch

extension RSSegCommand.Evaluate {
  /// Referring evaluation (rrsisd, refsegrs): the seven metrics of spec btdnet §5.
  func runReferring(_ benchmark: ReferringBenchmark) throws {
    guard let split = ReferringSplit(rawValue: split), split != .train else {
      throw CommandFailure("--split is val or test, not '\(self.split)'")
    }
    guard tta == .none else { throw CommandFailure("--tta applies to semantic segmentation only") }
    let device = try device.resolved()
    let (network, description, text) = try ReferringSegmenter.load(modelFile: model)
    try network.to(device)
    var job = ReferringEvaluation(benchmark: benchmark, data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out))
    job.split = split
    job.imageSize = imageSize
    job.maskStyle = saveMasks
    job.overlays = overlays
    job.batchSize = batchSize
    job.limit = limit
    job.precision = precision
    job.device = device
    let report = try job.run(network, text: text, classes: description.classes, normalization: description.normalization)
    print(report.markdown())
  }
}
