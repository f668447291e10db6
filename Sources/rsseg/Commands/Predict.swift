import ArgumentParser
import Foundation
import RSSeg
import Raster
import Torch

extension RSSegCommand {
  /// `rsseg predict`: sliding-window inference over large georeferenced scenes.
  struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Segment images of any size with a model file (sliding windows, blended, streamed).")

    @Option(help: "The model file (.safetensors) written by rsseg init/import/train.")
    var model: String

    @Argument(help: "Images to segment (GeoTIFF, PNG, JPEG, … anything GDAL reads).")
    var images: [String]

    @Option(help: "The output folder.")
    var out: String

    @Option(help: "Window side in pixels (a multiple of 32).")
    var tile = 1024

    @Option(help: "Pixels shared by neighbouring windows.")
    var overlap = 256

    @Option(help: "1-based input bands in the model's channel order (default: the first as many as the model takes).")
    var bands: String?

    @Option(help: "Test-time augmentation: none, lr (left-right flip) or d4 (8 flips/rotations).")
    var tta = "none"

    @Flag(help: "Run under bfloat16 autocast.")
    var bf16 = false

    @Option(help: "Windows per forward pass.")
    var batch = 1

    @Option(help: "Also write <stem>_probabilities.tif, one band per class: uint8 (p×254, 255 = nodata) or float16.")
    var probabilities: String?

    @Flag(help: "Also write <stem>_overlay.png, the image with the prediction blended in.")
    var overlay = false

    @Flag(help: "Also write the HBIS heatmaps: <stem>_heatmaps.tif (band l·N + c = layer l, class c) and a contact sheet <stem>_heatmaps.png.")
    var heatmaps = false

    @Flag(help: "Overwrite existing outputs.")
    var force = false

    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
      guard let augmentation = try? TestTimeAugmentation.forScenes(tta) else {
        throw ValidationError("--tta must be none, lr or d4, not '\(tta)'")
      }
      var outputOptions = PredictionOutputOptions(overlay: overlay, force: force)
      if let probabilities {
        guard let type = PredictionOutputOptions.ProbabilityType(rawValue: probabilities) else {
          throw ValidationError("--probabilities must be uint8 or float16, not '\(probabilities)'")
        }
        outputOptions.probabilities = type
      }
      try MemoryPolicy.forRepeatedModelRuns()
      let (network, description) = try BiCoRSeg.load(modelFile: model)
      network.eval()
      if heatmaps { outputOptions.heatmapLayers = network.heatmapLayerCount }
      let predictor = try SlidingWindowPredictor(
        model: network, normalization: description.normalization,
        options: SlidingWindowOptions(tile: tile, overlap: overlap, batch: batch, tta: augmentation, bf16: bf16, heatmaps: heatmaps))
      let bandList = try Self.parseBands(bands, count: description.normalization.mean.count)
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)

      // Check every output before running anything.
      let stems = images.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
      guard Set(stems).count == stems.count else {
        throw ValidationError("two images have the same name without extension; their outputs would collide")
      }
      // Scenes whose outputs are all there are done (an earlier run, maybe interrupted later).
      var done = Set<String>()
      if !force {
        for stem in stems {
          let paths = PredictionOutputs.paths(directory: out, stem: stem, options: outputOptions)
          if PredictionOutputs.isComplete(directory: out, stem: stem, options: outputOptions) {
            done.insert(stem)
          } else if FileManager.default.fileExists(atPath: paths[0]) {
            throw InferenceError.outputExists(path: paths[0])
          }
        }
      }
      for (image, stem) in zip(images, stems) {
        if done.contains(stem) {
          print("\(image): outputs exist, skipped (--force redoes them)")
          continue
        }
        let scene = try SceneRows(dataset: RasterDataset(path: image), bands: bandList)
        let outputs = try PredictionOutputs(
          scene: scene, classes: description.classes, directory: out, stem: stem, options: outputOptions)
        let bar = ProgressBar(
          total: predictor.windowCount(width: scene.width, height: scene.height), label: stem, unit: "windows", enabled: !quiet)
        let start = Date()
        try predictor.predict(scene, progress: { bar.advance(by: $0) }, emit: outputs.write)
        try outputs.finish()
        bar.finish()
        let seconds = Date().timeIntervalSince(start)
        let megapixels = Double(scene.width * scene.height) / 1e6
        print(String(format: "%@: %d×%d, %.2f Mpx in %.1f s (%.2f Mpx/s) → %@", image, scene.width, scene.height,
                     megapixels, seconds, megapixels / max(seconds, 1e-9), outputs.paths.joined(separator: ", ")))
      }
    }

    /// 0-based band numbers from `--bands`, or 0..<count.
    static func parseBands(_ bands: String?, count: Int) throws -> [Int] {
      guard let bands else { return Array(0..<count) }
      let parsed = bands.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard parsed.allSatisfy({ ($0 ?? 0) >= 1 }), !parsed.isEmpty else {
        throw ValidationError("--bands takes 1-based band numbers separated by commas, not '\(bands)'")
      }
      guard parsed.count == count else {
        throw ValidationError("the model takes \(count) bands, --bands names \(parsed.count)")
      }
      return parsed.map { $0! - 1 }
    }
  }
}
