import AtomicFiles
import Foundation
import Raster

/// The files of one scene, written block by block as a `SlidingWindowPredictor` emits them
/// (`PredictionWriter`, `ReferringWriter`).
public protocol SceneWriter: AnyObject {
  /// The scene's files, the one completed last last.
  var files: SceneFiles { get }
  func write(_ block: PredictedBlock) throws
  /// Completes every file, `files.marker` last.
  func finish() throws
}

/// The paths of one scene's outputs in the order they are completed. Every writer follows one
/// rule: each file appears under its name only when complete, and the last one (`marker`) is
/// completed last, so a scene is finished when all its files are there; files without their
/// marker are what an interrupted run left, and are replaced.
public struct SceneFiles: Sendable, Equatable {
  public let all: [String]

  public init(_ all: [String]) {
    precondition(!all.isEmpty, "a scene writes at least one file")
    self.all = all
  }

  /// The file completed last.
  public var marker: String { all.last! }

  /// Whether every file is there: the scene was finished (by an earlier run, maybe interrupted later).
  public var complete: Bool { all.allSatisfy { FileManager.default.fileExists(atPath: $0) } }

  /// Readies the paths for a new run: throws `InferenceError.outputExists` for an existing
  /// marker unless `force`, and removes the partial files an interrupted run left.
  public func prepare(force: Bool) throws {
    if !force, FileManager.default.fileExists(atPath: marker) { throw InferenceError.outputExists(path: marker) }
    for path in all { AtomicFile.removePartials(of: path) }
  }
}
