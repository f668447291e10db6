import Foundation
import Raster
import RSSegModels
import Torch

/// Runs a `SlidingWindowPredictor` over scenes one after the other, each into its own
/// `SceneWriter`: the one scene-inference path of `predict` and `refer`. It owns the output
/// stems (an image's file name without its extension; two alike are refused), the completeness
/// rule (`SceneFiles`: a scene whose files are all there is skipped unless `force`; a marker
/// without all its files is an error; files without their marker are replaced), progress and
/// timing.
public struct SceneRun {
  /// One scene to run.
  public struct Scene: Sendable {
    public let image: String
    public let stem: String
    public let files: SceneFiles
    /// Its files are all there and `force` is off: it is not run again.
    public let done: Bool
  }

  /// What happened to a scene.
  public enum Event {
    case skipped(Scene)
    /// `windows` of the scene's `total` are done.
    case advanced(Scene, windows: Int, total: Int)
    case finished(Scene, width: Int, height: Int, seconds: Double)
  }

  public let scenes: [Scene]
  public let force: Bool
  /// Show a progress bar per scene (windows, rate, ETA).
  public var progress = true
  /// A vector file whose polygons bound the work in every scene (`AreaOfInterest`): windows
  /// outside it are not run, pixels outside it are nodata.
  public var areaOfInterest: String?
  /// The processes of an `rsseg launch` sharing the work; nil: this process does it all.
  public var group: ProcessGroup?

  /// The output stem of each image.
  /// - Throws: `InferenceError.invalidArgument` when two images share a stem (their outputs would collide).
  public static func stems(_ images: [String]) throws -> [String] {
    let stems = images.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
    var seen: [String: String] = [:]
    for (image, stem) in zip(images, stems) {
      if let other = seen.updateValue(image, forKey: stem) {
        throw InferenceError.invalidArgument("\(other) and \(image) have the same name without extension; their outputs would collide")
      }
    }
    return stems
  }

  /// Plans the run, checking every scene's outputs before anything runs.
  /// - Parameter files: the files a scene with this stem writes.
  /// - Throws: `InferenceError.invalidArgument` for colliding stems; `InferenceError.outputExists`
  ///   for a scene whose marker is there without all its files, unless `force`.
  public init(images: [String], force: Bool, files: (String) -> SceneFiles) throws {
    self.force = force
    scenes = try zip(images, try Self.stems(images)).map { image, stem in
      let sceneFiles = files(stem)
      let done = !force && sceneFiles.complete
      if !force, !done, FileManager.default.fileExists(atPath: sceneFiles.marker) {
        throw InferenceError.outputExists(path: sceneFiles.marker)
      }
      return Scene(image: image, stem: stem, files: sceneFiles, done: done)
    }
  }

  /// Runs every scene that is not done: reads it with `bands` (0-based), slides `predictor`
  /// over it into the writer `makeWriter` opens, and reports each scene (and its windows as they
  /// finish) to `report`.
  ///
  /// Started by `rsseg launch` (`group` set), the processes share the work: scenes by scene
  /// while there are at least as many as processes, else each scene by bands of window rows
  /// (`ScenePart`), when the command can merge parts (`parts`); otherwise by scene.
  public func run(
    _ predictor: SlidingWindowPredictor, bands: [Int], makeWriter: (SceneReader, Scene) throws -> any SceneWriter,
    parts: SceneParts? = nil, report: (Event) -> Void = { _ in }
  ) throws {
    let rank = group?.rank ?? 0
    let processes = group?.worldSize ?? 1
    let pending = scenes.filter { !$0.done }
    if rank == 0 { for scene in scenes where scene.done { report(.skipped(scene)) } }
    if let parts, let group, pending.count < processes {
      for scene in pending { try runParts(of: scene, predictor, bands: bands, parts: parts, group: group, report: report) }
      return
    }
    for (i, scene) in pending.enumerated() where i % processes == rank {
      let start = Date()
      let reader = try open(scene, bands: bands)
      let writer = try makeWriter(reader, scene)
      guard writer.files == scene.files else {
        throw InferenceError.invalidArgument("\(scene.image): the writer's files differ from the ones the run checked")
      }
      try run(predictor, on: reader, rows: nil, into: writer, scene: scene, report: report)
      report(.finished(scene, width: reader.width, height: reader.height, seconds: Date().timeIntervalSince(start)))
    }
  }

  /// One scene shared by all processes: each writes its part (unless an earlier run finished
  /// it), then the first merges them once all are written.
  private func runParts(
    of scene: Scene, _ predictor: SlidingWindowPredictor, bands: [Int], parts: SceneParts, group: ProcessGroup,
    report: (Event) -> Void
  ) throws {
    let start = Date()
    let reader = try open(scene, bands: bands)
    let all = ScenePart.split(scene, windowRows: predictor.windowRows(height: reader.height), height: reader.height, count: group.worldSize)
    // Every process takes part in making the scene dictionary, even one whose part is done.
    let dictionary = predictor.options.dictionary == .scene ? try SceneDictionary.make(predictor, scene: reader, group: group) : nil
    if group.rank < all.count {
      let part = all[group.rank]
      if !parts.files(part).complete {
        try run(
          predictor, on: reader, rows: part.rows, dictionary: dictionary, into: try parts.makeWriter(reader, part), scene: scene,
          report: report)
      }
    }
    try group.barrier()
    guard group.rank == 0 else { return }
    try parts.merge(reader, scene, all)
    report(.finished(scene, width: reader.width, height: reader.height, seconds: Date().timeIntervalSince(start)))
  }

  private func open(_ scene: Scene, bands: [Int]) throws -> SceneReader {
    let dataset = try RasterDataset(path: scene.image)
    let area = try areaOfInterest.map { try AreaOfInterest(path: $0, scene: dataset.geoReference, scenePath: scene.image) }
    return try SceneReader(dataset: dataset, bands: bands, areaOfInterest: area)
  }

  /// Slides `predictor` over `rows` of `scene` (all by default) into `writer`, and finishes it,
  /// reporting its windows as they finish. A scene dictionary the predictor needs and is not
  /// given is made over the whole scene first, its windows counted in the progress.
  private func run(
    _ predictor: SlidingWindowPredictor, on reader: SceneReader, rows: Range<Int>?, dictionary given: Tensor? = nil, into writer: any SceneWriter,
    scene: Scene, report: (Event) -> Void
  ) throws {
    let makesDictionary = predictor.options.dictionary == .scene && given == nil
    let total = predictor.windowCount(width: reader.width, height: reader.height, rows: rows)
      + (makesDictionary ? SceneDictionary.windowCount(predictor, width: reader.width, height: reader.height) : 0)
    let label = rows.map { "\(scene.stem) rows \($0.lowerBound)-\($0.upperBound)" } ?? scene.stem
    let bar = ProgressBar(total: total, label: label, unit: "windows", enabled: progress && (group?.rank ?? 0) == 0)
    var windows = 0
    let advance = { (count: Int) in
      bar.advance(by: count)
      windows += count
      report(.advanced(scene, windows: windows, total: total))
    }
    let dictionary = try makesDictionary ? SceneDictionary.make(predictor, scene: reader, progress: advance) : given
    let background = BackgroundWriter(writer)
    do {
      try predictor.predict(reader, rows: rows, dictionary: dictionary, progress: advance, emit: background.write)
    } catch {
      try? background.finish()
      throw error
    }
    try background.finish()
    try writer.finish()
    bar.finish()
  }
}
