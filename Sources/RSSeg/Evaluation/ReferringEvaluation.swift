import Foundation
import Raster
import RSSegModels
import Torch

/// `rsseg evaluate` for referring datasets: every sentence of every object of a split through a
/// referring network, scored at `imageSize` (spec btdnet §5), written as `metrics.json` and
/// `metrics.md`, with optional predicted masks (`masks/<object>_s<sentence>.png`) and overlays
/// with the sentence (`overlays/<object>_s<sentence>.png`).
public struct ReferringEvaluation {
  public var benchmark: ReferringBenchmark
  public var data: URL
  public var split: ReferringSplit = .test
  public var imageSize = 480
  public var out: URL
  public var maskStyle: EvaluationOutputs.MaskStyle?
  public var overlays = false
  public var batchSize = 8
  /// Samples evaluated (0 = all).
  public var limit = 0
  public var workers = 2
  public var precision = Precision.fp32
  /// Where the network runs (it is moved there by the caller).
  public var device = Device.cpu
  public var progress = true

  public init(benchmark: ReferringBenchmark, data: URL, out: URL) {
    self.benchmark = benchmark
    self.data = data
    self.out = out
  }

  /// Evaluates `model` (put in eval mode) and writes the outputs.
  /// - Parameters:
  ///   - text: how the model tokenises sentences.
  ///   - classes: names and palette for index/colour masks (background, target).
  ///   - normalization: what the network expects of [0, 1] pixels.
  public func run(
    _ model: any ReferringNetwork, text: ReferringText, classes: SegmentationClasses, normalization: Normalization
  ) throws -> ReferringEvaluationReport {
    let dataset = try benchmark.dataset(root: data, split: split, options: ReferringOptions(size: (imageSize, imageSize)))
    for warning in dataset.warnings { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
    let samples = dataset.evaluationSamples()
    guard !samples.isEmpty else {
      throw DataError.layout(path: data.path, problem: "the \(split.rawValue) split of \(benchmark.rawValue) has no sentences")
    }
    let loader = try ReferringLoader(
      count: samples.count, options: LoaderOptions(batchSize: batchSize, shuffle: false, dropLast: false, workers: workers),
      text: text
    ) { i, _ in ReferringItem(try dataset.load(samples[i]), normalization: normalization, index: i) }
    let masks = out.appendingPathComponent("masks"), pictures = out.appendingPathComponent("overlays")
    try makeFolder(out)
    if maskStyle != nil { try makeFolder(masks) }
    if overlays { try makeFolder(pictures) }
    var evaluator = ReferringEvaluator()
    evaluator.maxSamples = limit
    evaluator.progress = progress
    model.eval()
    let forward: (ReferringBatch) throws -> Tensor = { [device] batch in
      let batch = try batch.to(device)
      return try precision.run(on: device) { try model.logits(batch.images, tokenIDs: batch.tokenIDs, tokenMask: batch.tokenMask) }
    }
    let write = maskStyle != nil || overlays
    let scores = try evaluator.run(forward, on: loader, each: !write ? nil : { prediction in
      let name = prediction.name + ".png"
      if let style = maskStyle {
        try EvaluationOutputs.writeMask(
          prediction.mask, width: prediction.width, height: prediction.height, classes: classes, style: style,
          to: masks.appendingPathComponent(name).path)
      }
      if overlays {
        let pixels = try dataset.load(samples[prediction.index]).pixels
        let picture = ReferringOverlay.render(pixels, prediction: prediction.mask, sentence: prediction.sentence)
        let path = pictures.appendingPathComponent(name).path
        try writing(path) { try PNGWriter.write(picture, to: path) }
      }
    })
    let report = ReferringEvaluationReport(dataset: benchmark.rawValue, split: split.rawValue, imageSize: imageSize, scores: scores)
    try writeAtomically(try report.json(), to: out.appendingPathComponent("metrics.json"))
    try writeAtomically(report.markdown(), to: out.appendingPathComponent("metrics.md"))
    return report
  }
}
