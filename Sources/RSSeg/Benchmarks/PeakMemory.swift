import Foundation
import RSSegModels
import Torch

/// This process's peak resident memory (Linux): the `VmHWM` high-water mark of
/// /proc/self/status, which writing "5" to /proc/self/clear_refs resets to the current size.
enum PeakMemory {
  static func megabytes() throws -> Double {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
      let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Int($0) })
    else { throw TorchError.invalidArgument("/proc/self/status: no readable VmHWM line") }
    return Double(kilobytes) / 1024
  }

  static func reset() throws {
    try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
  }
}
