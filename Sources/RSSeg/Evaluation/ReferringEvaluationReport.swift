import Foundation
import RSSegModels

/// The seven referring-segmentation metrics (spec btdnet §5) as `rsseg evaluate` writes them,
/// in percent like the papers: oIoU, mIoU and P@0.5…0.9 (`ReferringScores`).
public struct ReferringEvaluationReport: Sendable {
  public var dataset: String
  public var split: String
  /// Side of the square the masks were scored at.
  public var imageSize: Int
  public var scores: ReferringScores

  public init(dataset: String, split: String, imageSize: Int, scores: ReferringScores) {
    self.dataset = dataset
    self.split = split
    self.imageSize = imageSize
    self.scores = scores
  }

  /// The metrics by name ("oIoU", "mIoU", "P@0.5", …), in percent.
  public var metrics: [(name: String, value: Double)] { scores.percentages }

  /// Pretty, key-sorted JSON: the seven metrics (percent) under their names, the sample count,
  /// dataset, split and image size.
  public func json() throws -> String {
    var object: [String: Any] = ["dataset": dataset, "split": split, "samples": scores.samples, "image_size": imageSize]
    for (name, value) in metrics { object[name] = value }
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  /// A one-row Markdown table of the seven metrics (two decimals).
  public func markdown() -> String {
    let names = metrics.map(\.name), values = metrics.map { String(format: "%.2f", $0.value) }
    return [
      "# \(dataset) \(split): \(scores.samples) image–sentence samples at \(imageSize)×\(imageSize)", "",
      "| " + names.joined(separator: " | ") + " |", "|" + String(repeating: "---:|", count: names.count),
      "| " + values.joined(separator: " | ") + " |", "",
    ].joined(separator: "\n")
  }
}
