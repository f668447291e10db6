import Foundation
import RSSegModels

/// A progress bar on stderr with rate and ETA. On a terminal it redraws one line (at most ten
/// times a second); otherwise (logs, pipes) it prints a plain line at every tenth of the work.
/// Safe to advance from several threads.
public final class ProgressBar: @unchecked Sendable {
  public let total: Int
  public let label: String
  public let unit: String
  private let isTerminal: Bool
  private let start = Date()
  private let lock = NSLock()
  private var done = 0
  private var lastDraw = Date.distantPast
  private var lastDecile = 0
  private var finished = false
  private let enabled: Bool

  /// - Parameter enabled: false makes every call a no-op (quiet mode, tests).
  public init(total: Int, label: String, unit: String = "it", enabled: Bool = true) {
    self.total = max(total, 0)
    self.label = label
    self.unit = unit
    self.enabled = enabled
    isTerminal = isatty(STDERR_FILENO) != 0
  }

  public func advance(by n: Int = 1) {
    guard enabled else { return }
    lock.withLock {
      done = min(total, done + n)
      let now = Date()
      if isTerminal {
        if now.timeIntervalSince(lastDraw) >= 0.1 || done == total {
          lastDraw = now
          write("\r" + line(now: now))
        }
      } else if total > 0, done * 10 / total > lastDecile {
        lastDecile = done * 10 / total
        write(line(now: now) + "\n")
      }
    }
  }

  /// Ends the bar (a final newline on a terminal).
  public func finish() {
    guard enabled else { return }
    lock.withLock {
      guard !finished else { return }
      finished = true
      if isTerminal { write("\r" + line(now: Date()) + "\n") }
    }
  }

  /// "label  42% [#########           ] 21/50 3.2 it/s ETA 0:09".
  func line(now: Date) -> String {
    let elapsed = now.timeIntervalSince(start)
    let fraction = total > 0 ? Double(done) / Double(total) : 1
    let width = 24
    let filled = Int(fraction * Double(width))
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    let eta = rate > 0 ? Double(total - done) / rate : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
    return "\(label) \(String(format: "%3d", Int(fraction * 100)))% [\(bar)] \(done)/\(total) "
      + String(format: "%.1f", rate) + " \(unit)/s ETA \(Self.clock(eta))"
  }

  static func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
  }

  private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
