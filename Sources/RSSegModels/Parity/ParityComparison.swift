import Torch

/// How close a computed tensor must be to the reference one.
public enum ParityTolerance: Sendable, Equatable {
  /// Outputs and losses: |a − b| ≤ rel · max(1, max|ref|).
  case values(relative: Double)
  /// Gradients: |a − b| ≤ rel · max|ref| + abs.
  case gradients(relative: Double, absolute: Double)

  /// The rsseg parity tolerances.
  public static let outputs = ParityTolerance.values(relative: 1e-4)
  public static let grads = ParityTolerance.gradients(relative: 1e-3, absolute: 1e-7)

  func bound(referenceMax: Double) -> Double {
    switch self {
    case .values(let relative): return relative * Swift.max(1, referenceMax)
    case .gradients(let relative, let absolute): return relative * referenceMax + absolute
    }
  }
}

/// One computed tensor compared with its reference.
public struct ParityComparison: Sendable, Equatable {
  /// The group it is reported in ("outputs", "losses", "gradients", …).
  public let group: String
  /// The fixture key of the reference tensor.
  public let name: String
  /// max |computed − reference|, or nil when the comparison could not be made.
  public let maxError: Double?
  /// The largest error allowed.
  public let bound: Double
  /// Why the comparison could not be made (missing tensor, shape mismatch, non-finite values).
  public let problem: String?

  public var passed: Bool { problem == nil && (maxError.map { $0 <= bound } ?? false) }

  /// Compares `computed` with `reference` element-wise in float64.
  public static func compare(
    _ computed: Tensor?, _ reference: Tensor, name: String, group: String, tolerance: ParityTolerance
  ) throws -> ParityComparison {
    let computed = try computed?.to(.cpu)
    let ref = try reference.to(.float64)
    let referenceMax = try ref.abs().amax().double()
    let bound = tolerance.bound(referenceMax: referenceMax)
    guard let computed else {
      return ParityComparison(group: group, name: name, maxError: nil, bound: bound, problem: "not computed")
    }
    // Fixtures store 0-dim values with shape [1].
    guard computed.count == ref.count, computed.shape == ref.shape || computed.count == 1 else {
      return ParityComparison(
        group: group, name: name, maxError: nil, bound: bound, problem: "shape \(computed.shape), reference \(ref.shape)")
    }
    let error = try (computed.to(.float64).reshape(ref.shape) - ref).abs().amax().double()
    guard error.isFinite else {
      return ParityComparison(group: group, name: name, maxError: nil, bound: bound, problem: "non-finite values")
    }
    return ParityComparison(group: group, name: name, maxError: error, bound: bound, problem: nil)
  }

  /// A reference tensor the checker has no counterpart for.
  public static func unmatched(_ name: String, group: String, problem: String) -> ParityComparison {
    ParityComparison(group: group, name: name, maxError: nil, bound: 0, problem: problem)
  }
}
