import Foundation
import Raster

/// Creates `folder` (and parents).
func makeFolder(_ folder: URL) throws {
  do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
    throw DataError.output(path: folder.path, problem: "cannot create folder: \(error.localizedDescription)")
  }
}

/// Writes a small text file atomically (temporary name, then rename).
func writeAtomically(_ text: String, to url: URL) throws {
  do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
    throw DataError.output(path: url.path, problem: "cannot write: \(error.localizedDescription)")
  }
}

/// A symbolic link at `link` to `target`, created under a temporary name and renamed into place.
func linkAtomically(_ link: URL, to target: URL) throws {
  let temporary = link.deletingLastPathComponent().appendingPathComponent(".\(link.lastPathComponent).partial-link")
  unlink(temporary.path)
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
