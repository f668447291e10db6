import CTorch

/// Stateless neural-network operations (`torch.nn.functional`), e.g. `Functional.conv2d`.
///
/// Every function throws: shape, dtype and device errors arrive as `TorchError.libtorch` with
/// libtorch's message; Swift-side argument checks throw `TorchError.invalidArgument`.
public enum Functional {}

/// How a loss combines its per-element values (PyTorch's `reduction=`).
public enum Reduction: Sendable {
  case none
  case mean
  case sum

  var c: rs_reduction {
    switch self {
    case .none: return RS_REDUCTION_NONE
    case .mean: return RS_REDUCTION_MEAN
    case .sum: return RS_REDUCTION_SUM
    }
  }
}

/// A size per spatial dimension, written as one number for all (`3`) or one per dimension
/// (`[3, 1]`), like PyTorch's `int or tuple` arguments.
public struct SpatialSize: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, Sendable, Equatable {
  public let values: [Int]

  public init(_ values: [Int]) { self.values = values }
  public init(integerLiteral value: Int) { values = [value] }
  public init(arrayLiteral elements: Int...) { values = elements }

  /// The sizes for `n` spatial dimensions (a single number repeats).
  func expanded(_ n: Int, _ what: @autoclosure () -> String) throws -> [Int] {
    if values.count == 1 { return Array(repeating: values[0], count: n) }
    guard values.count == n else {
      throw TorchError.invalidArgument("\(what()): expected 1 or \(n) values, got \(values)")
    }
    return values
  }
}
