import ArgumentParser
import Foundation
import RSSeg
import RSSegModels
import RSSegServe
import Torch

extension RSSegCommand {
  /// `rsseg serve`: a local map viewer that runs the models on what it shows.
  struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "A local map viewer: scenes, class maps, probabilities, heatmaps and polygons; segment the view from the page.",
      discussion: """
        Prints one URL to open; its token is required on every request. "Segment this view" and \
        "segment the scene" run what predict runs and write what it writes into --outputs (a view's \
        outputs are named <stem>_view_<x>_<y>_<width>_<height>); predict outputs already there are shown too. \
        With --referring-model, a sentence typed on the page runs refer on the view.
        """)

    @Option(help: "The segmentation model file (.safetensors), as for predict.")
    var model: String

    @Option(help: "A referring model file (.safetensors), as for refer: sentences typed on the page run it on the view.")
    var referringModel: String?

    @Argument(help: "Scenes to show (GeoTIFF, PNG, JPEG, … anything GDAL reads).")
    var scenes: [String]

    @Option(help: "Where runs from the page write their outputs (earlier predict outputs there are shown).")
    var outputs = "rsseg-serve"

    @Option(help: "The address to listen on; anything but loopback lets other machines connect (the token still guards it).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "1-based input bands in the model's channel order (default: the first as many as the model takes).")
    var bands: String?

    @OptionGroup var device: DeviceOptions

    func validate() throws {
      guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, not \(port)") }
      do { _ = try SceneRun.stems(scenes) } catch { throw ValidationError("\(error)") }
      if let bands { _ = try BandList.parse(bands) }
    }

    func run() async throws {
      try MemoryPolicy.forRepeatedModelRuns()
      let device = try device.resolved()
      let (network, description) = try BiCoRSeg.load(modelFile: model)
      try network.to(device)
      network.eval()
      var windows = SlidingWindowOptions(tile: Predict.Defaults.tile, overlap: Predict.Defaults.overlap, heatmaps: true)
      windows.dictionary = Predict.Defaults.dictionary
      windows.device = device
      let segmentation = SegmentationSetup(
        network: network, description: description, bands: try BandList.resolve(bands, count: description.normalization.mean.count), windows: windows)
      let referring = try referringModel.map { path in
        let (model, description, text) = try ReferringSegmenter.load(modelFile: path)
        try model.to(device)
        model.eval()
        var windows = SlidingWindowOptions(tile: Refer.Defaults.tile, overlap: Refer.Defaults.overlap, blockImage: true)
        windows.device = device
        return ReferringSetup(
          model: model, description: description, text: text, bands: try BandList.resolve(bands, count: description.normalization.mean.count), windows: windows)
      }
      var settings = Viewer.Settings()
      (settings.host, settings.port, settings.outputs) = (host, port, outputs)
      let viewer = try Viewer(images: scenes, segmentation: segmentation, referring: referring, settings: settings)
      if !settings.isLoopback {
        FileHandle.standardError.write(Data("warning: --host \(host) lets other machines reach this viewer; only the token guards it\n".utf8))
      }
      try await viewer.application { port in
        FileHandle.standardOutput.write(Data("rsseg serve: open \(viewer.url(port: port))\n".utf8))
      }.runService()
    }
  }
}
