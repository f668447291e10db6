import ArgumentParser
import Foundation
import RSSeg
import Raster
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
        with the target tinted and the sentence written on it), with --maps <stem>_text<k>_heatmaps.tif/.png \
        (per-stage correlation maps: background, target), and <stem>_refer.json listing the sentences. \
        There is no test-time augmentation: flips would swap "left" and "right" in the sentences.
        """)

    @Option(help: "The referring model file (.safetensors) written by rsseg init --architecture lavt or rsseg train.")
    var model: String

    @Option(help: "A sentence describing the object to segment; repeat for several (each window runs them together).")
    var text: [String] = []

    @Argument(help: "Images to segment (GeoTIFF, PNG, JPEG, … anything GDAL reads).")
    var images: [String]

    @Option(help: "The output folder.")
    var out: String

    @Option(help: "Window side in pixels (a multiple of 32; the model was trained at 480).")
    var tile = 480

    @Option(help: "Pixels shared by neighbouring windows.")
    var overlap = 160

    @Option(help: "1-based input bands in red, green, blue order (default: 1,2,3).")
    var bands: String?

    @Flag(help: "Run under bfloat16 autocast.")
    var bf16 = false

    @Option(help: "Windows per forward pass (each is paired with every sentence).")
    var batch = 1

    @Flag(help: "Also write the model's per-stage correlation maps (BTDNet); a LAVT model has none.")
    var maps = false

    @Flag(help: "Overwrite existing outputs.")
    var force = false

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
      guard !text.isEmpty else { throw ValidationError("give at least one --text \"sentence\"") }
      if let empty = text.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
        throw ValidationError("--text \(empty + 1) is empty")
      }
    }

    func run() throws {
      // Check the outputs before loading anything (map files are checked when the model has maps).
      let stems = images.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
      guard Set(stems).count == stems.count else {
        throw ValidationError("two images have the same name without extension; their outputs would collide")
      }
      // The summary is written last: with it and every file there, a scene is done (an earlier
      // run, maybe interrupted later); files without their summary are an interrupted run's.
      var done = Set<String>()
      if !force {
        for stem in stems {
          let paths = ReferringOutputs.paths(directory: out, stem: stem, sentences: text, mapLayers: 0)
          guard FileManager.default.fileExists(atPath: paths.last!) else { continue }
          guard paths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { throw InferenceError.outputExists(path: paths.last!) }
          done.insert(stem)
        }
      }
      try MemoryPolicy.forRepeatedModelRuns()
      let (network, description, tokenizer) = try ReferringSegmenter.load(modelFile: model)
      network.eval()
      let windowModel = try ReferringWindowModel(model: network, tokens: try tokenizer.batch(text))
      let mapLayers = maps ? windowModel.heatmapLayerCount : 0
      if maps && mapLayers == 0 {
        FileHandle.standardError.write(Data("note: this \(description.architecture) model has no correlation maps (BTDNet's BSC has); --maps writes nothing\n".utf8))
      }
      let predictor = try SlidingWindowPredictor(
        model: windowModel, normalization: description.normalization,
        options: SlidingWindowOptions(tile: tile, overlap: overlap, batch: batch, bf16: bf16, heatmaps: mapLayers > 0))
      let bandList = try Predict.parseBands(bands, count: description.normalization.mean.count)
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
      for (image, stem) in zip(images, stems) {
        if done.contains(stem) {
          print("\(image): outputs exist, skipped (--force redoes them)")
          continue
        }
        let scene = try SceneRows(dataset: RasterDataset(path: image), bands: bandList)
        let outputs = try ReferringOutputs(
          scene: scene, sentences: text, directory: out, stem: stem, mapLayers: mapLayers, force: force)
        let bar = ProgressBar(
          total: predictor.windowCount(width: scene.width, height: scene.height), label: stem, unit: "windows", enabled: !quiet)
        let start = Date()
        try predictor.predict(scene, progress: { bar.advance(by: $0) }, emit: outputs.write)
        try outputs.finish()
        bar.finish()
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "%@: %d×%d, %d sentence(s) in %.1f s → %@", image, scene.width, scene.height, text.count,
                     seconds, outputs.summaryPath))
      }
    }
  }
}
