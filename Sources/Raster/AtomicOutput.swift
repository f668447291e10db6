import Foundation

/// Outputs are written under a temporary name in the destination folder and renamed into place
/// when complete, so an interrupted run never leaves a half-written file under the real name.
struct AtomicOutput {
  let finalPath: String
  let temporaryPath: String

  init(path: String) {
    finalPath = path
    let url = URL(fileURLWithPath: path)
    let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    temporaryPath = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).partial-\(suffix)").path
  }

  /// Moves the finished temporary file onto the final name (replacing an older file).
  func commit() throws {
    if rename(temporaryPath, finalPath) != 0 {
      let reason = String(cString: strerror(errno))
      discard()
      throw RasterError.io(path: finalPath, message: "cannot rename \(temporaryPath) into place: \(reason)")
    }
  }

  func discard() { unlink(temporaryPath) }
}
