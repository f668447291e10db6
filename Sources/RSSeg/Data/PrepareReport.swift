import Foundation
import RSSegModels

/// What a `prepare` run did.
public struct PrepareReport: Sendable {
  /// Files written per output folder (relative to the output root).
  public var written: [String: Int] = [:]
  /// Samples or tiles already finished by an earlier run.
  public var alreadyDone = 0
  /// Bad samples skipped (with `skipBad`): the error for each.
  public var bad: [DataError] = []
  /// Unknown label values or colours, with the file they were found in.
  public var unknownLabels: [(file: String, label: UnknownLabel)] = []

  public init() {}

  mutating func merge(_ other: PrepareReport) {
    for (k, v) in other.written { written[k, default: 0] += v }
    alreadyDone += other.alreadyDone
    bad += other.bad
    unknownLabels += other.unknownLabels
  }

  /// A human-readable summary.
  public var summary: String {
    var lines: [String] = []
    for (folder, n) in written.sorted(by: { $0.key < $1.key }) { lines.append("wrote \(n) files to \(folder)") }
    if written.isEmpty { lines.append("wrote nothing") }
    if alreadyDone > 0 { lines.append("\(alreadyDone) already prepared by an earlier run, skipped") }
    if !bad.isEmpty {
      lines.append("\(bad.count) bad sample(s) skipped:")
      lines += bad.map { "  \($0)" }
    }
    if !unknownLabels.isEmpty {
      var totals: [String: Int] = [:]
      for (_, l) in unknownLabels { totals[l.label, default: 0] += l.pixels }
      let files = Set(unknownLabels.map(\.file)).count
      lines.append("unknown label values/colours in \(files) file(s):")
      lines += totals.sorted { $0.value > $1.value }.map { "  \($0.key): \($0.value) px" }
    }
    return lines.joined(separator: "\n")
  }
}

extension PrepareReport {
  /// Runs `body` for one sample: with `skipBad`, a `DataError.badSample`/`unknownLabels` is
  /// recorded instead of thrown.
  mutating func sample(skipBad: Bool, _ body: (inout PrepareReport) throws -> Void) throws {
    do { try body(&self) } catch let error as DataError {
      if case .unknownLabels(let path, let labels) = error {
        unknownLabels += labels.map { (path, $0) }
      }
      switch error {
      case .badSample, .unknownLabels:
        guard skipBad else { throw error }
        bad.append(error)
      default: throw error
      }
    }
  }
}
