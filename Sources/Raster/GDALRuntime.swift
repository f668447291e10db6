import CGDAL
import Foundation

/// Process-wide GDAL setup, done once and thread-safely on first use: registers the drivers and
/// installs an error handler that keeps messages out of stderr. GDAL records the last error of
/// each thread itself (`CPLGetLastErrorMsg` is thread-local), so every call site reads the
/// message of its own thread right after the failing call.
enum GDALRuntime {
  /// Swift runs a global's initialiser exactly once, under a lock.
  private static let registered: Void = {
    CPLSetErrorHandler(quietHandler)
    // No .aux.xml side files next to outputs or inputs.
    CPLSetConfigOption("GDAL_PAM_ENABLED", "NO")
    // A truncated JPEG is an error, not a warning with a grey image.
    CPLSetConfigOption("GDAL_ERROR_ON_LIBJPEG_WARNING", "TRUE")
    // GDAL's block cache defaults to 5 % of the machine's memory and fills as a large scene is
    // read window by window and written strip by strip; 64 MB holds a window-row of source
    // blocks and the output blocks being filled. GDAL_CACHEMAX in the environment still wins.
    if ProcessInfo.processInfo.environment["GDAL_CACHEMAX"] == nil { GDALSetCacheMax64(64 << 20) }
    GDALAllRegister()
  }()

  static func ensure() { _ = registered }

  /// Clears this thread's last GDAL error before a call whose failure we want to report.
  static func resetError() { CPLErrorReset() }

  /// This thread's last GDAL error message ("" when none).
  static func lastErrorMessage() -> String {
    guard let m = CPLGetLastErrorMsg() else { return "" }
    return String(cString: m)
  }

  /// Whether this thread's last GDAL message is an error (not a warning or nothing).
  static func lastCallFailed() -> Bool {
    let type = CPLGetLastErrorType()
    return type == CE_Failure || type == CE_Fatal
  }

  static func check(_ status: CPLErr, _ operation: String, _ path: String) throws {
    if status == CE_Failure || status == CE_Fatal {
      throw RasterError.gdal(operation: operation, path: path, message: lastErrorMessage())
    }
  }

  /// Runs `body` with GDAL's configuration option `key` set to `value` on this thread only
  /// (other threads keep the process-wide setting), restoring the previous value afterwards.
  static func withThreadConfig<R>(_ key: String, _ value: String, _ body: () throws -> R) rethrows -> R {
    let previous = CPLGetThreadLocalConfigOption(key, nil).map { String(cString: $0) }
    CPLSetThreadLocalConfigOption(key, value)
    defer { CPLSetThreadLocalConfigOption(key, previous) }
    return try body()
  }

  /// `char**` option lists for GDAL (`KEY=VALUE`), freed after `body`.
  static func withOptions<R>(_ options: [String: String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws -> R) rethrows -> R {
    var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
    for (key, value) in options.sorted(by: { $0.key < $1.key }) { list = CSLSetNameValue(list, key, value) }
    defer { CSLDestroy(list) }
    return try body(list)
  }
}

/// Messages stay in GDAL's per-thread error state; nothing is printed.
private let quietHandler: CPLErrorHandler = { _, _, _ in }
