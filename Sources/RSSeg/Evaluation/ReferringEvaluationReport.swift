import Foundation

/// The seven referring-segmentation metrics (spec btdnet §5) as `rsseg evaluate` writes them,
/// in percent like the papers: oIoU = ΣI/ΣU over samples, mIoU = mean per-sample IoU, and
/// P@0.5…0.9 = share of samples whose IoU reaches the threshold.
public struct ReferringEvaluationReport: Equatable, Sendable {
  public static let thresholds = [0.5, 0.6, 0.7, 0.8, 0.9]

  public var dataset: String
  public var split: String
  /// Image–sentence samples scored.
  public var samples: Int
  /// Side of the square the masks were scored at.
  public var imageSize: Int
  public var oIoU: Double
  public var mIoU: Double
  /// P@0.5, P@0.6, P@0.7, P@0.8, P@0.9.
  public var precision: [Double]

  /// - Parameters: oIoU, mIoU and precision as fractions in [0, 1] (stored in percent).
  public init(dataset: String, split: String, samples: Int, imageSize: Int, oIoU: Double, mIoU: Double, precision: [Double]) {
    self.dataset = dataset
    self.split = split
    self.samples = samples
    self.imageSize = imageSize
    self.oIoU = 100 * oIoU
    self.mIoU = 100 * mIoU
    self.precision = precision.map { 100 * $0 }
  }

  /// The metrics of per-sample overlaps (IoU 0 when a union is empty).
  public init(dataset: String, split: String, imageSize: Int, overlaps: [ReferringEvaluator.Overlap]) {
    let ious = overlaps.map { $0.union > 0 ? Double($0.intersection) / Double($0.union) : 0 }
    let (i, u) = overlaps.reduce((0, 0)) { ($0.0 + $1.intersection, $0.1 + $1.union) }
    let n = Double(max(overlaps.count, 1))
    self.init(
      dataset: dataset, split: split, samples: overlaps.count, imageSize: imageSize, oIoU: u > 0 ? Double(i) / Double(u) : 0,
      mIoU: ious.reduce(0, +) / n, precision: Self.thresholds.map { t in Double(ious.filter { $0 >= t }.count) / n })
  }

  /// The metrics by name ("oIoU", "mIoU", "P@0.5", …), in percent.
  public var metrics: [(name: String, value: Double)] {
    [("oIoU", oIoU), ("mIoU", mIoU)] + zip(Self.thresholds, precision).map { ("P@\($0.0)", $0.1) }
  }

  /// Pretty, key-sorted JSON; the precision values also appear as "P@0.5" … keys.
  public func json() throws -> String {
    var object: [String: Any] = ["dataset": dataset, "split": split, "samples": samples, "image_size": imageSize]
    for (name, value) in metrics { object[name] = value }
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  /// A one-row Markdown table of the seven metrics (two decimals).
  public func markdown() -> String {
    let names = metrics.map(\.name), values = metrics.map { String(format: "%.2f", $0.value) }
    return [
      "# \(dataset) \(split): \(samples) image–sentence samples at \(imageSize)×\(imageSize)", "",
      "| " + names.joined(separator: " | ") + " |", "|" + String(repeating: "---:|", count: names.count),
      "| " + values.joined(separator: " | ") + " |", "",
    ].joined(separator: "\n")
  }
}
