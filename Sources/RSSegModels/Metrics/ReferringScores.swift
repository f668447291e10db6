import Torch

/// Referring-segmentation scores (spec §5), accumulated sample by sample: for each
/// image–sentence pair, I = |P ∧ G| and U = |P ∨ G| of the predicted and target masks. oIoU =
/// ΣI / ΣU; mIoU = mean of I/U (0 when U = 0); Prec@X = share of samples with IoU ≥ X for
/// X = 0.5 … 0.9. The state is a few sums and counts, so partial scores (workers, ranks) merge
/// exactly by adding them.
public struct ReferringScores: Sendable, Equatable, Codable {
  /// Prec@X thresholds, in tenths: 0.5, 0.6, 0.7, 0.8, 0.9.
  public static let thresholdTenths = [5, 6, 7, 8, 9]

  /// Samples seen.
  public private(set) var samples: Int
  /// ΣI and ΣU over samples.
  public private(set) var intersection: Int64
  public private(set) var union: Int64
  /// Σ IoU_i.
  public private(set) var iouSum: Double
  /// Samples with IoU ≥ each threshold, in `thresholdTenths` order.
  public private(set) var hits: [Int]

  public init() {
    self.init(samples: 0, intersection: 0, union: 0, iouSum: 0, hits: [0, 0, 0, 0, 0])
  }

  /// Scores from sums and counts, e.g. after an all-reduce of the fields of several scores.
  public init(samples: Int, intersection: Int64, union: Int64, iouSum: Double, hits: [Int]) {
    precondition(hits.count == Self.thresholdTenths.count, "one hit count per threshold")
    self.samples = samples
    self.intersection = intersection
    self.union = union
    self.iouSum = iouSum
    self.hits = hits
  }

  /// Adds one sample by its intersection and union pixel counts.
  public mutating func add(intersection i: Int, union u: Int) throws {
    guard i >= 0, i <= u else { throw ReferringScoresError.invalidCounts(intersection: i, union: u) }
    samples += 1
    intersection += Int64(i)
    union += Int64(u)
    guard u > 0 else { return }
    iouSum += Double(i) / Double(u)
    // IoU ≥ k/10 exactly, in integers.
    for (t, k) in Self.thresholdTenths.enumerated() where 10 * i >= k * u { hits[t] += 1 }
  }

  /// Adds one sample from masks of equal size (nonzero = object).
  public mutating func add<P: BinaryInteger, G: BinaryInteger>(predicted: some Collection<P>, target: some Collection<G>) throws {
    guard predicted.count == target.count else { throw MetricsError.sizeMismatch(truth: target.count, predicted: predicted.count) }
    var i = 0
    var u = 0
    for (p, g) in zip(predicted, target) {
      let (pp, gg) = (p != 0, g != 0)
      if pp && gg { i += 1 }
      if pp || gg { u += 1 }
    }
    try add(intersection: i, union: u)
  }

  /// Adds a batch of masks (B×H×W, or one H×W mask; nonzero = object), on any device.
  public mutating func add(predicted: Tensor, target: Tensor) throws {
    guard predicted.shape == target.shape, predicted.rank >= 2 else {
      throw ReferringScoresError.shapeMismatch(predicted: predicted.shape, target: target.shape)
    }
    let batched = predicted.rank == 2 ? [1] + predicted.shape : predicted.shape
    let p = try predicted.reshape(batched).ne(0), g = try target.reshape(batched).ne(0)
    let dims = Array(1..<batched.count)
    let i = try p.logicalAnd(g).sum(dims: dims, dtype: .int64).to(.cpu).scalars(as: Int64.self)
    let u = try p.logicalOr(g).sum(dims: dims, dtype: .int64).to(.cpu).scalars(as: Int64.self)
    for (a, b) in zip(i, u) { try add(intersection: Int(a), union: Int(b)) }
  }

  /// Adds the sums and counts of `other`.
  public mutating func merge(_ other: ReferringScores) {
    samples += other.samples
    intersection += other.intersection
    union += other.union
    iouSum += other.iouSum
    for t in hits.indices { hits[t] += other.hits[t] }
  }

  /// ΣI / ΣU (0 when nothing was predicted or targeted).
  public var overallIoU: Double { union > 0 ? Double(intersection) / Double(union) : 0 }
  /// Mean per-sample IoU (0 with no samples).
  public var meanIoU: Double { samples > 0 ? iouSum / Double(samples) : 0 }
  /// Prec@X for each threshold, as fractions.
  public var precisions: [Double] { hits.map { samples > 0 ? Double($0) / Double(samples) : 0 } }

  /// The seven reported scores in percent, in the papers' order: oIoU, mIoU, P@0.5 … P@0.9.
  public var percentages: [(name: String, value: Double)] {
    [("oIoU", 100 * overallIoU), ("mIoU", 100 * meanIoU)]
      + zip(Self.thresholdTenths, precisions).map { ("P@0.\($0)", 100 * $1) }
  }
}

public enum ReferringScoresError: Error, Equatable, CustomStringConvertible {
  case invalidCounts(intersection: Int, union: Int)
  case shapeMismatch(predicted: [Int], target: [Int])

  public var description: String {
    switch self {
    case .invalidCounts(let i, let u): return "intersection \(i) and union \(u) are not 0 ≤ I ≤ U"
    case .shapeMismatch(let p, let t): return "predicted masks \(p) and targets \(t) must have one shape of rank ≥ 2"
    }
  }
}
