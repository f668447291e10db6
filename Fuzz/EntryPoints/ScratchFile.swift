import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The readers under test take paths, so each input is written to a scratch file first: one
/// per target and process in the temporary folder, overwritten by every input.
enum ScratchFile {
  static func path(for target: FuzzTarget) -> String {
    let folder = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    return "\(folder)/rsseg-fuzz-\(getpid())-\(target.rawValue)"
  }

  /// Writes `bytes` to the target's scratch file and returns its path.
  static func write(_ bytes: UnsafeRawBufferPointer, for target: FuzzTarget) throws -> String {
    let path = path(for: target)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw ScratchError(path: path, message: String(cString: strerror(errno))) }
    defer { close(fd) }
    var done = 0
    while done < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw ScratchError(path: path, message: String(cString: strerror(errno)))
      }
      done += n
    }
    return path
  }
}

/// The scratch file could not be written (not a finding: the harness itself failed).
struct ScratchError: Error, CustomStringConvertible {
  let path: String
  let message: String
  var description: String { "\(path): cannot write the scratch file: \(message)" }
}
