import ArgumentParser
import Foundation
import RSSeg
import RSSegModels
import Torch

/// What differs between the commands that slide a model over scenes.
protocol SceneInferenceDefaults {
  static var tile: Int { get }
  static var overlap: Int { get }
}

/// The options of every scene-inference command (`predict`, `refer`): the model, the scenes,
/// where outputs go and how windows run. Checked in `validate()` before anything loads.
struct SceneInferenceOptions<Defaults: SceneInferenceDefaults>: ParsableArguments {
  @Option(help: "The model file (.safetensors) written by rsseg init, import or train.")
  var model: String

  @Argument(help: "Images to segment (GeoTIFF, PNG, JPEG, … anything GDAL reads).")
  var images: [String]

  @Option(help: "The output folder.")
  var out: String

  @Option(help: """
    An area of interest: polygons in any vector file GDAL reads (GeoPackage, GeoJSON, Shapefile, …), \
    reprojected to each scene's CRS. Only windows touching it run; pixels outside it are nodata.
    """)
  var aoi: String?

  @Flag(help: "Write every GeoTIFF as a Cloud-Optimised GeoTIFF (overviews: mode for class maps and masks, average for probabilities and heatmaps).")
  var cog = false

  @Option(help: "Window side in pixels (a multiple of 32).")
  var tile = Defaults.tile

  @Option(help: "Pixels shared by neighbouring windows.")
  var overlap = Defaults.overlap

  @Option(help: "1-based input bands in the model's channel order (default: the first as many as the model takes).")
  var bands: String?

  @Option(help: "Arithmetic: fp32, bf16 or fp16 (autocast), or auto (bf16 where the device has native bf16, else fp32).")
  var precision = Precision.fp32

  @OptionGroup var device: DeviceOptions

  @Option(help: "Windows per forward pass.")
  var batch = 1

  @Flag(help: "Overwrite existing outputs.")
  var force = false

  @Flag(help: "No progress bar.")
  var quiet = false

  func validate() throws {
    guard tile > 0, tile % 32 == 0 else { throw ValidationError("--tile must be a positive multiple of 32, not \(tile)") }
    guard overlap >= 0, overlap < tile else { throw ValidationError("--overlap must be at least 0 and less than --tile (\(tile)), not \(overlap)") }
    guard batch > 0 else { throw ValidationError("--batch must be positive, not \(batch)") }
    if let bands { _ = try BandList.parse(bands) }
    if let aoi, !FileManager.default.fileExists(atPath: aoi) { throw ValidationError("--aoi \(aoi): no such file") }
    do { _ = try SceneRun.stems(images) } catch { throw ValidationError("\(error)") }
  }

  /// 0-based band numbers from `--bands`, or 0..<count for a model that takes `count` bands.
  func bandList(count: Int) throws -> [Int] { try BandList.resolve(bands, count: count) }

  /// The window settings for the predictor, windows running on `device`.
  func windows(on device: Device, tta: TestTimeAugmentation = .none, heatmaps: Bool, blockImage: Bool) -> SlidingWindowOptions {
    var options = SlidingWindowOptions(
      tile: tile, overlap: overlap, batch: batch, tta: tta, precision: precision, heatmaps: heatmaps, blockImage: blockImage)
    options.device = device
    return options
  }

  /// Plans the run over `images` in `out` (created), each scene writing `files(stem)`.
  func sceneRun(files: (String) -> SceneFiles) throws -> SceneRun {
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    var run = try CommandFailure.mapping { try SceneRun(images: images, force: force, files: files) }
    run.progress = !quiet
    run.areaOfInterest = aoi
    // Started by `rsseg launch`: the processes share the scenes over c10d (Gloo: only barriers
    // cross it). A part of a huge scene can take hours, hence the long default wait.
    run.group = try DistributedEnvironment.from(ProcessInfo.processInfo.environment).map {
      try ProcessGroup($0, backend: .gloo, timeout: try DistributedTimeout.seconds(default: 7 * 86400))
    }
    return run
  }

  /// Runs `run`, printing a line per scene: `summary` for a finished one. Under `rsseg launch`,
  /// a scene split over the processes is written as `parts` say.
  func execute(
    _ run: SceneRun, predictor: SlidingWindowPredictor, bands: [Int], parts: SceneParts? = nil,
    makeWriter: (SceneReader, SceneRun.Scene) throws -> any SceneWriter,
    summary: (SceneRun.Scene, Int, Int, Double) -> String
  ) throws {
    try CommandFailure.mapping {
      try run.run(predictor, bands: bands, makeWriter: makeWriter, parts: parts) { event in
        switch event {
        case .skipped(let scene): print("\(scene.image): outputs exist, skipped (--force redoes them)")
        case .finished(let scene, let width, let height, let seconds): print(summary(scene, width, height, seconds))
        case .advanced: break
        }
      }
    }
  }
}

extension Precision: ExpressibleByArgument {}
