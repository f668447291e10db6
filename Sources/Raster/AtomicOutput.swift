import AtomicFiles
import CGDAL
import Foundation

/// A file GDAL writes under `AtomicFile`'s temporary name, renamed into place when complete, so
/// an interrupted run never leaves a half-written file under the real name.
struct AtomicOutput {
  let finalPath: String
  let temporaryPath: String

  init(path: String) {
    finalPath = path
    temporaryPath = AtomicFile.temporaryPath(for: path)
  }

  /// Moves the finished temporary file onto the final name (replacing an older file).
  func commit() throws {
    do { try AtomicFile.commit(temporaryPath, to: finalPath) } catch let error as AtomicFileError {
      throw RasterError.io(path: finalPath, message: error.message)
    }
  }

  func discard() { unlink(temporaryPath) }

  /// Closes the GDAL dataset writing the temporary file (GDAL writes what it buffered then); on
  /// a failure the file is discarded and the error names `operation` and the final path.
  func close(_ dataset: GDALDatasetH, operation: String) throws {
    GDALRuntime.resetError()
    GDALClose(dataset)
    if GDALRuntime.lastCallFailed() {
      let message = GDALRuntime.lastErrorMessage()
      discard()
      throw RasterError.gdal(operation: operation, path: finalPath, message: message)
    }
  }
}
