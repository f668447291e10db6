import Foundation

/// Every failure in the Raster layer. Each names the file and says what went wrong, with GDAL's
/// own message where GDAL reported one.
public enum RasterError: Error, Equatable, CustomStringConvertible, LocalizedError {
  /// GDAL failed in `operation` on `path`; `message` is GDAL's (captured per thread).
  case gdal(operation: String, path: String, message: String)
  /// A request that cannot be satisfied (window out of bounds, wrong buffer size, …).
  case invalidArgument(path: String, message: String)
  /// The file exists but is not what the caller needs (band count, data type, size).
  case unexpectedContent(path: String, message: String)
  /// A file-system operation outside GDAL failed (renaming a finished output into place).
  case io(path: String, message: String)

  public var description: String {
    switch self {
    case .gdal(let op, let path, let message):
      return "\(path): \(op) failed: \(message.isEmpty ? "GDAL gave no message" : message)"
    case .invalidArgument(let path, let message): return "\(path): \(message)"
    case .unexpectedContent(let path, let message), .io(let path, let message): return "\(path): \(message)"
    }
  }

  public var errorDescription: String? { description }

  /// The file the error is about.
  public var path: String {
    switch self {
    case .gdal(_, let path, _), .invalidArgument(let path, _), .unexpectedContent(let path, _), .io(let path, _): return path
    }
  }
}
