import Foundation
import Torch

/// How long a process started by `rsseg launch` waits for the others at a collective.
enum DistributedTimeout {
  /// `RSSEG_DIST_TIMEOUT` seconds, else `fallback`: training's 1800 (as torch.distributed) must
  /// cover rank 0's validation and checkpoint writing; predict's must cover the slowest part of
  /// a scene. A rank that dies is caught by the launcher, not by this timeout.
  static func seconds(default fallback: Double) throws -> Double {
    guard let text = ProcessInfo.processInfo.environment["RSSEG_DIST_TIMEOUT"] else { return fallback }
    guard let seconds = Double(text), seconds > 0 else { throw CommandFailure("RSSEG_DIST_TIMEOUT=\(text) is not a positive number of seconds") }
    return seconds
  }
}
