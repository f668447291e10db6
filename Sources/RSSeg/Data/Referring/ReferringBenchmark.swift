import Foundation
import RSSegModels

/// The referring benchmarks rsseg reads, by the names the CLI and configs use.
public enum ReferringBenchmark: String, Sendable, CaseIterable {
  case rrsisd
  case refsegrs

  /// The split of the dataset under `root` (`RRSISD.dataset` or `RefSegRS.dataset`).
  public func dataset(root: URL, split: ReferringSplit, options: ReferringOptions = .init()) throws -> ReferringDataset {
    switch self {
    case .rrsisd: return try RRSISD.dataset(root: root, split: split, options: options)
    case .refsegrs: return try RefSegRS.dataset(root: root, split: split, options: options)
    }
  }
}
