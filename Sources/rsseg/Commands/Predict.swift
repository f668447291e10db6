import ArgumentParser
import Foundation
import RSSeg
import RSSegModels
import Torch

extension RSSegCommand {
  /// `rsseg predict`: sliding-window inference over large georeferenced scenes.
  struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Segment images of any size with a model file (sliding windows, blended, streamed).")

    enum Defaults: SceneInferenceDefaults {
      static let tile = 1024
      static let overlap = 256
      /// One dictionary per scene: class maps that hold across tilings (README, "Results that
      /// hold across tilings"), for one more pass over at most 64 windows.
      static let dictionary = DictionaryScope.scene
    }

    @OptionGroup var scenes: SceneInferenceOptions<Defaults>

    @Option(help: "Test-time augmentation: none, lr (left-right flip) or d4 (8 flips/rotations).")
    var tta = TestTimeAugmentation.Mode.none

    @Option(help: "Also write <stem>_probabilities.tif, one band per class: uint8 (p×254, 255 = nodata) or float16.")
    var probabilities: PredictionOptions.ProbabilityType?

    @Flag(help: "Also write <stem>_overlay.png, the image with the prediction blended in.")
    var overlay = false

    @Flag(help: "Also write the HBIS heatmaps: <stem>_heatmaps.tif (band l·N + c = layer l, class c) and a contact sheet <stem>_heatmaps.png.")
    var heatmaps = false

    @OptionGroup var polygons: PolygonOutputOptions

    @Option(help: "With --vector: a class that gets no polygons (name or 0-based index); repeat for several.")
    var ignoreClass: [String] = []

    @Option(help: """
      The class dictionary of the HBIS layers: scene (pooled over the scene in a first pass over a sample of windows, \
      the same in every window, so results do not depend on where windows fall) or window (pooled in each window).
      """)
    var dictionary = Defaults.dictionary

    @Option(help: "With --dictionary scene: most windows whose evidence makes the scene dictionary (a spread sample of bigger scenes).")
    var dictionaryWindows = SlidingWindowOptions().dictionaryWindows

    @Flag(help: """
      Under rsseg launch, for a scene split over the processes: write only the VRTs of its parts \
      (<stem>.vrt, …), not the merged GeoTIFFs, previews and polygons.
      """)
    var noMerge = false

    func validate() throws {
      if !ignoreClass.isEmpty && polygons.vector == nil { throw ValidationError("--ignore-class needs --vector gpkg|geojson|shp") }
      guard dictionaryWindows > 0 else { throw ValidationError("--dictionary-windows must be positive, not \(dictionaryWindows)") }
    }

    func run() throws {
      try MemoryPolicy.forRepeatedModelRuns()
      let device = try scenes.device.resolved()
      let (network, description) = try BiCoRSeg.load(modelFile: scenes.model)
      try network.to(device)
      network.eval()
      var options = PredictionOptions(
        probabilities: probabilities, overlay: overlay, heatmapLayers: heatmaps ? network.heatmapLayerCount : 0, force: scenes.force)
      options.cloudOptimized = scenes.cog
      options.polygons = try polygons.polygons(ignoring: ignoreClass, of: description.classes)
      let bands = try scenes.bandList(count: description.normalization.mean.count)
      let run = try scenes.sceneRun { PredictionFiles(directory: scenes.out, stem: $0, options: options).scene }
      var windows = scenes.windows(on: device, tta: .forScenes(tta), heatmaps: heatmaps, blockImage: overlay)
      windows.dictionary = dictionary
      windows.dictionaryWindows = dictionaryWindows
      let predictor = try SlidingWindowPredictor(model: network, normalization: description.normalization, options: windows)
      let parts = PredictionWriter.parts(classes: description.classes, directory: scenes.out, options: options, merged: !noMerge)
      try scenes.execute(run, predictor: predictor, bands: bands, parts: parts) { reader, scene in
        try PredictionWriter(scene: reader, classes: description.classes, directory: scenes.out, stem: scene.stem, options: options)
      } summary: { scene, width, height, seconds in
        let megapixels = Double(width * height) / 1e6
        return String(
          format: "%@: %d×%d, %.2f Mpx in %.1f s (%.2f Mpx/s) → %@", scene.image, width, height, megapixels, seconds,
          megapixels / max(seconds, 1e-9), scene.files.all.joined(separator: ", "))
      }
    }
  }
}

extension TestTimeAugmentation.Mode: ExpressibleByArgument {}
extension DictionaryScope: ExpressibleByArgument {}
extension PredictionOptions.ProbabilityType: ExpressibleByArgument {}
