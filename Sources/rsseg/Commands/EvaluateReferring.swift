import ArgumentParser
import Foundation
import RSSeg

extension RSSegCommand.Evaluate {
  /// Referring evaluation (rrsisd, refsegrs): the seven metrics of spec btdnet §5.
  func runReferring(_ benchmark: ReferringBenchmark) throws {
    guard let split = ReferringSplit(rawValue: split), split != .train else {
      throw ValidationError("--split is val or test, not '\(self.split)'")
    }
    guard tta == "none" else { throw ValidationError("--tta applies to semantic segmentation only") }
    guard lovedaSubmission == nil else { throw ValidationError("--loveda-submission needs --dataset loveda") }
    let (network, description, text) = try ReferringSegmenter.load(modelFile: model)
    var job = ReferringEvaluation(benchmark: benchmark, data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out))
    job.split = split
    job.imageSize = imageSize
    job.maskStyle = saveMasks
    job.overlays = overlays
    job.batchSize = batchSize
    job.limit = limit
    job.bf16 = bf16
    let report = try job.run(network, text: text, classes: description.classes, normalization: description.normalization)
    print(report.markdown())
  }
}
