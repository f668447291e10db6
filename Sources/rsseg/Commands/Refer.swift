import ArgumentParser
import Foundation
import RSSeg
import RSSegModels
import Torch

extension RSSegCommand {
  /// `rsseg refer`: referring segmentation of large georeferenced scenes.
  struct Refer: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Segment the object a sentence describes, in images of any size (sliding windows, blended, streamed).",
      discussion: """
        For each image and each --text k (1-based): <stem>_text<k>.tif (mask: 1 target, 0 background, \
        255 nodata; georeferenced like the input), <stem>_text<k>.png (preview), \
        <stem>_text<k>_probabilities.tif (target probability ×254), <stem>_text<k>_overlay.png (the image \
        with the target tinted and the sentence written on it), with --heatmaps <stem>_text<k>_heatmaps.tif/.png \
        (per-stage correlation maps: background, target), with --vector <stem>_text<k>_polygons.<ext> (the target's \
        regions), and <stem>_refer.json listing the sentences. \
        The model was trained at 480-pixel windows; its bands are red, green, blue. \
        There is no test-time augmentation: flips would swap "left" and "right" in the sentences.
        """)

    enum Defaults: SceneInferenceDefaults {
      static let tile = 480
      static let overlap = 160
    }

    @OptionGroup var scenes: SceneInferenceOptions<Defaults>

    @Option(help: "A sentence describing the object to segment; repeat for several (each window runs them together).")
    var text: [String] = []

    @Flag(help: "Also write the model's per-stage correlation maps (BTDNet); a LAVT model has none.")
    var heatmaps = false

    @OptionGroup var polygons: PolygonOutputOptions

    func validate() throws {
      guard !text.isEmpty else { throw ValidationError("give at least one --text \"sentence\"") }
      if let empty = text.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
        throw ValidationError("--text \(empty + 1) is empty")
      }
    }

    func run() throws {
      try MemoryPolicy.forRepeatedModelRuns()
      let device = try scenes.device.resolved()
      let (network, description, tokenizer) = try ReferringSegmenter.load(modelFile: scenes.model)
      try network.to(device)
      network.eval()
      let windowModel = try ReferringWindowModel(model: network, tokens: try tokenizer.batch(text), device: device)
      let heatmapLayers = heatmaps ? windowModel.heatmapLayerCount : 0
      if heatmaps && heatmapLayers == 0 {
        FileHandle.standardError.write(Data("note: this \(description.architecture) model has no correlation maps (BTDNet's BSC has); --heatmaps writes nothing\n".utf8))
      }
      let bands = try scenes.bandList(count: description.normalization.mean.count)
      let outputs = ReferringWriter.Outputs(
        heatmapLayers: heatmapLayers, cloudOptimized: scenes.cog, polygons: try polygons.polygons(of: ReferringWriter.classes))
      let run = try scenes.sceneRun { ReferringWriter.files(directory: scenes.out, stem: $0, sentences: text, outputs: outputs) }
      let predictor = try SlidingWindowPredictor(
        model: windowModel, normalization: description.normalization,
        options: scenes.windows(on: device, heatmaps: heatmapLayers > 0, blockImage: true))
      try scenes.execute(run, predictor: predictor, bands: bands) { reader, scene in
        try ReferringWriter(
          scene: reader, sentences: text, directory: scenes.out, stem: scene.stem, outputs: outputs, force: scenes.force)
      } summary: { scene, width, height, seconds in
        String(format: "%@: %d×%d, %d sentence(s) in %.1f s → %@", scene.image, width, height, text.count, seconds, scene.files.marker)
      }
    }
  }
}
