import ArgumentParser
import AtomicFiles
import Foundation
import RSSeg
import RSSegModels

extension RSSegCommand {
  /// `rsseg score`: metrics of predicted masks against ground truth (spec §5).
  struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Score predicted masks against ground-truth masks (matched by file name): OA, mIoU, mF1, per-class IoU/F1.",
      discussion: """
        Predictions: single-band class indices 0..N-1, or RGB in the dataset's palette.
        Ground truth, by its band count: single-band class indices as `rsseg prepare` writes them (ignore value N left out; \
        Dubai: its colour masks), or RGB colours: the official ISPRS Vaihingen/Potsdam labels (full or eroded \
        "noBoundary": black boundary pixels are left out), LoveDA in its class palette (black left out), Dubai's colours.
        """)

    @Option(help: "vaihingen, potsdam, loveda or dubai (classes, palette, classes left out of the means).")
    var dataset: String

    @Option(help: "Folder of predicted masks.")
    var pred: String

    @Option(help: "Folder of ground-truth masks.")
    var gt: String

    @Option(help: "Also write the JSON to this file.")
    var json: String?

    func run() throws {
      let kind = try SegmentationBenchmark(named: dataset)
      let (matrix, images) = try MaskScoring.score(
        kind: kind, predictions: URL(fileURLWithPath: pred), groundTruth: URL(fileURLWithPath: gt))
      let report = EvaluationReport(
        dataset: kind.rawValue, images: images, matrix: matrix, classes: kind.classes, excluding: kind.excludedFromMeans,
        tta: "none")
      let text = try report.json()
      if let json { try AtomicFile.write(text.utf8, to: json) }
      print(text, terminator: "")
    }
  }
}
