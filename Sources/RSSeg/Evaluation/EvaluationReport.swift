import Foundation
import RSSegModels

/// Metrics of a confusion matrix as written by `evaluate` and `score`: fractions in [0, 1],
/// per-class values keyed by class name. `mIoU`/`mF1` leave out `excluded` (ISPRS Clutter).
public struct EvaluationReport: Codable, Equatable, Sendable {
  public var dataset: String
  public var images: Int
  public var OA: Double
  public var mIoU: Double
  public var mF1: Double
  public var IoU: [String: Double]
  public var F1: [String: Double]
  public var precision: [String: Double]
  public var recall: [String: Double]
  /// Class names left out of the means.
  public var excluded: [String]
  /// Test-time augmentation used ("none" for scored files).
  public var tta: String
  /// Rows ground truth, columns prediction, pixel counts.
  public var confusionMatrix: [[Int64]]

  enum CodingKeys: String, CodingKey {
    case dataset, images, OA, mIoU, mF1, IoU, F1, precision, recall, excluded, tta
    case confusionMatrix = "confusion_matrix"
  }

  public init(dataset: String, images: Int, matrix: ConfusionMatrix, classes: SegmentationClasses, excluding: Set<Int>, tta: String) {
    let scores = SegmentationScores(matrix, classNames: classes.names, excluding: excluding)
    func named(_ values: [Double]) -> [String: Double] { Dictionary(uniqueKeysWithValues: zip(classes.names, values)) }
    self.dataset = dataset
    self.images = images
    OA = scores.overallAccuracy
    mIoU = scores.meanIoU
    mF1 = scores.meanF1
    IoU = named(scores.iou)
    F1 = named(scores.f1)
    precision = named(scores.precision)
    recall = named(scores.recall)
    excluded = excluding.sorted().map { classes.names[$0] }
    self.tta = tta
    confusionMatrix = (0..<matrix.classes).map { r in (0..<matrix.classes).map { matrix[r, $0] } }
  }

  /// Pretty, key-sorted JSON.
  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
  }

  /// A Markdown table: one row per class (IoU, F1, precision, recall in %), then the means.
  public func markdown(classNames: [String]) -> String {
    func pct(_ v: Double) -> String { String(format: "%.2f", 100 * v) }
    var lines = [
      "# \(dataset): \(images) images, TTA \(tta)", "",
      "| class | IoU | F1 | precision | recall |", "|---|---:|---:|---:|---:|",
    ]
    for name in classNames {
      let mark = excluded.contains(name) ? " (not in means)" : ""
      lines.append("| \(name)\(mark) | \(pct(IoU[name]!)) | \(pct(F1[name]!)) | \(pct(precision[name]!)) | \(pct(recall[name]!)) |")
    }
    lines += ["", "| OA | mIoU | mF1 |", "|---:|---:|---:|", "| \(pct(OA)) | \(pct(mIoU)) | \(pct(mF1)) |", ""]
    return lines.joined(separator: "\n")
  }
}
