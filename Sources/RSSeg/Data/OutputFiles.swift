import AtomicFiles
import Foundation
import Raster
import RSSegModels

/// Creates `folder` (and parents).
func makeFolder(_ folder: URL) throws {
  do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
    throw DataError.output(path: folder.path, problem: "cannot create folder: \(error.localizedDescription)")
  }
}

/// Writes a whole file atomically (`AtomicFile`: temporary name, then rename).
func writeAtomically<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to url: URL) throws {
  do { try AtomicFile.write(bytes, to: url.path) } catch let error as AtomicFileError {
    throw DataError.output(path: url.path, problem: "cannot write: \(error.message)")
  }
}

/// Writes a text file atomically.
func writeAtomically(_ text: String, to url: URL) throws { try writeAtomically(text.utf8, to: url) }

/// A symbolic link at `link` to `target`, created under a temporary name and renamed into place.
func linkAtomically(_ link: URL, to target: URL) throws {
  let temporary = URL(fileURLWithPath: AtomicFile.temporaryPath(for: link.path))
  guard symlink(target.path, temporary.path) == 0, rename(temporary.path, link.path) == 0 else {
    let reason = String(cString: strerror(errno))
    unlink(temporary.path)
    throw DataError.output(path: link.path, problem: "cannot link to \(target.path): \(reason)")
  }
}

/// Raster failures while writing outputs become `DataError.output` (never a skippable bad sample).
func writing(_ path: String, _ body: () throws -> Void) throws {
  do { try body() } catch let error as RasterError { throw DataError.output(path: error.path, problem: "\(error)") }
}
