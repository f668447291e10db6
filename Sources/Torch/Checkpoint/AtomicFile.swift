#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file written under a temporary name in its final folder and renamed into place only once
/// all of it is on disk (`commit`), so a crash never leaves a half-written file at `path`.
final class AtomicFile {
  let path: String
  private let temporary: String
  private var fd: Int32

  init(path: String) throws {
    self.path = path
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    temporary = "\(folder).\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw TorchError.io(path: path, message: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
  }

  deinit { discard() }

  func append(_ bytes: UnsafeRawBufferPointer) throws {
    var done = 0
    while done < bytes.count {
      let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw TorchError.io(path: path, message: "write failed: \(String(cString: strerror(errno)))")
      }
      done += n
    }
  }

  /// Flushes the data, renames the file into place and flushes the folder entry.
  func commit() throws {
    guard fsync(fd) == 0 else { throw TorchError.io(path: path, message: "fsync failed: \(String(cString: strerror(errno)))") }
    close(fd)
    fd = -1
    guard rename(temporary, path) == 0 else {
      let message = String(cString: strerror(errno))
      unlink(temporary)
      throw TorchError.io(path: path, message: "rename failed: \(message)")
    }
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[...$0]) } ?? "."
    let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dir >= 0 {
      fsync(dir)
      close(dir)
    }
  }

  /// Removes the temporary file unless it was committed.
  func discard() {
    guard fd >= 0 else { return }
    close(fd)
    fd = -1
    unlink(temporary)
  }
}
