/// The outcome of checking one fixture.
public struct ParityReport: Sendable {
  /// The fixture kind (its metadata `config.kind`).
  public let kind: String
  /// Lines describing what was set up (model, loaded tensors).
  public let notes: [String]
  public let comparisons: [ParityComparison]

  public var passed: Bool { !comparisons.isEmpty && comparisons.allSatisfy(\.passed) }
  public var failures: [ParityComparison] { comparisons.filter { !$0.passed } }

  /// Groups in first-seen order.
  public var groups: [String] {
    var seen = Set<String>()
    return comparisons.map(\.group).filter { seen.insert($0).inserted }
  }

  /// The comparison of `group` closest to (or furthest past) its bound.
  public func worst(in group: String) -> ParityComparison? {
    comparisons.filter { $0.group == group }.max { ratio($0) < ratio($1) }
  }

  private func ratio(_ c: ParityComparison) -> Double {
    guard c.problem == nil, let error = c.maxError else { return .infinity }
    return c.bound > 0 ? error / c.bound : (error > 0 ? .infinity : 0)
  }

  /// The printed report: notes, the worst error per group, then `parity: ok` or
  /// `parity: FAILED <what>`.
  public var lines: [String] {
    var out = notes
    for group in groups {
      let members = comparisons.filter { $0.group == group }
      guard let worst = worst(in: group) else { continue }
      let failed = members.filter { !$0.passed }.count
      let detail = worst.problem ?? String(format: "max |err| %.3e (bound %.3e)", worst.maxError ?? .nan, worst.bound)
      out.append("\(group): \(members.count) tensors, \(failed) failed; worst \(worst.name): \(detail)")
    }
    out.append(summary)
    return out
  }

  /// `parity: ok` or `parity: FAILED` with the first failing tensors.
  public var summary: String {
    if passed { return "parity: ok" }
    if comparisons.isEmpty { return "parity: FAILED nothing compared" }
    let names = failures.prefix(5).map { c in c.problem.map { "\(c.name) (\($0))" } ?? c.name }
    let more = failures.count > 5 ? " and \(failures.count - 5) more" : ""
    return "parity: FAILED \(names.joined(separator: ", "))\(more)"
  }
}
