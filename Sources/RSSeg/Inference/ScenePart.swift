import Foundation

/// One process's share of a scene split over the processes of an `rsseg launch`: a band of
/// whole window rows, written into its own folder `<out>/<stem>.parts/rows-<first>-<end>/`
/// under the scene's stem. A run of a part recomputes the windows of the band above that reach
/// into its rows rather than receiving their logits: the processes never wait on each other
/// until all parts are written, a part can be rerun alone, and the cost is one window row per
/// part (tile / overlap rows, a few per cent of a scene that is worth splitting).
public struct ScenePart: Sendable, Equatable {
  /// The scene rows the part holds.
  public let rows: Range<Int>
  public let directory: String
  public let stem: String

  /// `count` parts of `scene` (fewer when it has fewer window rows), top to bottom, each the
  /// rows of a run of neighbouring window rows (`ys`, `SlidingWindowPredictor.windowRows`).
  /// Every part but the first also runs the window row above it, so the first gets one window
  /// row more than the others and all run about as many.
  static func split(_ scene: SceneRun.Scene, windowRows ys: [Int], height: Int, count: Int) -> [ScenePart] {
    let folder = URL(fileURLWithPath: scene.files.marker).deletingLastPathComponent().appendingPathComponent("\(scene.stem).parts")
    let n = min(count, ys.count)
    let runs = ys.count + n - 1  // window rows run in all
    var first = 0
    return (0..<n).map { i in
      // Parts 0...i run about (i + 1) / n of all runs, of which i are recomputed rows.
      let end = i == n - 1 ? ys.count : min(ys.count - (n - 1 - i), max(first + 1, ((i + 1) * runs + n / 2) / n - i))
      defer { first = end }
      let rows = (first == 0 ? 0 : ys[first])..<(end == ys.count ? height : ys[end])
      return ScenePart(
        rows: rows, directory: folder.appendingPathComponent("rows-\(rows.lowerBound)-\(rows.upperBound)").path, stem: scene.stem)
    }
  }
}

/// How a command writes the parts of a scene shared over processes and makes the scene's
/// files from them (`SceneRun.run(parts:)`).
public struct SceneParts {
  /// The files of a part: a part whose files are all there is not run again.
  public var files: (ScenePart) -> SceneFiles
  /// Opens the writer of a part's rows.
  public var makeWriter: (SceneReader, ScenePart) throws -> any SceneWriter
  /// Makes the scene's files from all its parts, once they are written.
  public var merge: (SceneReader, SceneRun.Scene, [ScenePart]) throws -> Void

  public init(
    files: @escaping (ScenePart) -> SceneFiles, makeWriter: @escaping (SceneReader, ScenePart) throws -> any SceneWriter,
    merge: @escaping (SceneReader, SceneRun.Scene, [ScenePart]) throws -> Void
  ) {
    self.files = files
    self.makeWriter = makeWriter
    self.merge = merge
  }
}
