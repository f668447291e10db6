/// A streaming confusion matrix for semantic segmentation: rows are ground truth, columns are
/// predictions (spec §5). Pixels whose label is outside 0..<classes (the ignore index) are
/// dropped.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
  public let classes: Int
  /// Row-major `classes × classes` counts.
  public private(set) var counts: [Int64]

  public init(classes: Int) {
    precondition(classes > 0, "a confusion matrix needs at least one class")
    self.classes = classes
    counts = [Int64](repeating: 0, count: classes * classes)
  }

  public subscript(truth: Int, predicted: Int) -> Int64 { counts[truth * classes + predicted] }

  /// Adds one image (or batch) of labels and predictions given as equal-length integer buffers.
  /// A prediction outside 0..<classes for a counted pixel is a caller bug and throws.
  public mutating func add<L: BinaryInteger, P: BinaryInteger>(truth: some Collection<L>, predicted: some Collection<P>) throws {
    guard truth.count == predicted.count else {
      throw MetricsError.sizeMismatch(truth: truth.count, predicted: predicted.count)
    }
    let n = classes
    try counts.withUnsafeMutableBufferPointer { cells in
      for (t, p) in zip(truth, predicted) {
        let ti = Int(t)
        guard ti >= 0, ti < n else { continue }
        let pi = Int(p)
        guard pi >= 0, pi < n else { throw MetricsError.predictionOutOfRange(Int(p), classes: n) }
        cells[ti * n + pi] += 1
      }
    }
  }

  /// Adds the counts of another matrix (e.g. from another worker or rank).
  public mutating func merge(_ other: ConfusionMatrix) throws {
    guard other.classes == classes else {
      throw MetricsError.classCountMismatch(classes, other.classes)
    }
    for k in counts.indices { counts[k] += other.counts[k] }
  }

  public var total: Int64 { counts.reduce(0, +) }

  /// Each row divided by its sum (recall-normalised), for display; empty rows stay zero.
  public var rowNormalized: [[Double]] {
    (0..<classes).map { r in
      let row = counts[(r * classes)..<((r + 1) * classes)]
      let sum = Double(row.reduce(0, +))
      return row.map { sum > 0 ? Double($0) / sum : 0 }
    }
  }
}

public enum MetricsError: Error, CustomStringConvertible, Equatable {
  case sizeMismatch(truth: Int, predicted: Int)
  case predictionOutOfRange(Int, classes: Int)
  case classCountMismatch(Int, Int)

  public var description: String {
    switch self {
    case .sizeMismatch(let t, let p): return "label has \(t) pixels but prediction has \(p)"
    case .predictionOutOfRange(let v, let n): return "predicted class \(v) is outside 0..<\(n)"
    case .classCountMismatch(let a, let b): return "confusion matrices of \(a) and \(b) classes cannot be merged"
    }
  }
}
