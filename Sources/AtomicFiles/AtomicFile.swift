#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Every file rsseg writes appears under its name only when complete: it is written under a
/// temporary name in its final folder, `.<name>.partial-<pid>-<random>`, and renamed into place
/// (`commit`). One scheme for every writer (safetensors, GeoTIFF/PNG through GDAL, JSON, zip,
/// links), so `removePartials` finds what any interrupted run left.
public final class AtomicFile {
  public let path: String
  public let temporary: String
  private var fd: Int32

  /// Creates the temporary file for `path`.
  public init(path: String) throws {
    self.path = path
    temporary = Self.temporaryPath(for: path)
    fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw AtomicFileError(path: path, message: "cannot create \(temporary): \(Self.lastError)") }
  }

  deinit { discard() }

  public func append(_ bytes: UnsafeRawBufferPointer) throws {
    var done = 0
    while done < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw AtomicFileError(path: path, message: "write failed: \(Self.lastError)")
      }
      done += n
    }
  }

  /// Flushes the data, renames the file into place and flushes the folder entry.
  public func commit() throws {
    guard fsync(fd) == 0 else { throw AtomicFileError(path: path, message: "fsync failed: \(Self.lastError)") }
    close(fd)
    fd = -1
    try Self.commit(temporary, to: path)
  }

  /// Removes the temporary file unless it was committed.
  public func discard() {
    guard fd >= 0 else { return }
    close(fd)
    fd = -1
    unlink(temporary)
  }

  /// Writes a whole file atomically.
  public static func write<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to path: String) throws {
    let file = try AtomicFile(path: path)
    try Array(bytes).withUnsafeBytes { try file.append($0) }
    try file.commit()
  }

  // MARK: - the naming scheme, for files another library writes (GDAL)

  /// A fresh temporary name beside `path`.
  public static func temporaryPath(for path: String) -> String {
    let (folder, name) = split(path)
    return "\(folder)\(partialPrefix(name))\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
  }

  /// Renames a finished `temporary` onto `path` (replacing an older file) and flushes the
  /// folder entry; the temporary file is removed when that fails.
  public static func commit(_ temporary: String, to path: String) throws {
    guard rename(temporary, path) == 0 else {
      let message = lastError
      unlink(temporary)
      throw AtomicFileError(path: path, message: "cannot rename \(temporary) into place: \(message)")
    }
    let dir = open(split(path).folder.isEmpty ? "." : split(path).folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dir >= 0 {
      fsync(dir)
      close(dir)
    }
  }

  /// Removes the temporary files that interrupted writes of `path` left.
  public static func removePartials(of path: String) {
    let (folder, name) = split(path)
    guard let dir = opendir(folder.isEmpty ? "." : folder) else { return }
    defer { closedir(dir) }
    let prefix = partialPrefix(name)
    var names: [String] = []
    while let entry = readdir(dir) {
      let entryName = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if entryName.hasPrefix(prefix) { names.append(entryName) }
    }
    for entryName in names { unlink(folder + entryName) }
  }

  private static func partialPrefix(_ name: String) -> String { ".\(name).partial-" }

  /// (folder with its trailing slash or "", file name).
  private static func split(_ path: String) -> (folder: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return ("", path) }
    return (String(path[...slash]), String(path[path.index(after: slash)...]))
  }

  private static var lastError: String { String(cString: strerror(errno)) }
}

/// A file that could not be written or renamed into place.
public struct AtomicFileError: Error, CustomStringConvertible {
  public let path: String
  public let message: String

  public var description: String { "\(path): \(message)" }
}
