import ArgumentParser
import Foundation
import RSSeg
import RSSegModels
import Torch

extension RSSegCommand.Bench {
  /// Scene-inference throughput of model files and presets over a mosaic scene.
  struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Scene inference (predict's windows, blending and class map) in Mpx/s over a mosaic scene, at fp32 and bf16.",
      discussion: """
        The scene is a VRT of copies of --source's first bands in a grid (no large file needed). One JSON line \
        per model and precision: seconds, Mpx/s, peak RSS, the windows' GFLOP and the floor they set at the \
        measured matrix-product peak. Default: the bundled demo model and the Vaihingen preset (random weights).
          rsseg bench predict --size 4096
          rsseg bench predict --model m.safetensors --preset none --precision bf16
        """)

    @Option(help: "A model file to time (repeat for several).")
    var model: [String] = []

    @Option(help: "A BiCoR-Seg preset to time with random weights (vaihingen, potsdam, loveda; repeat; 'none' for none).")
    var preset: [String] = []

    @Option(help: "The raster copied into the mosaic (its first bands, as many as each model takes).")
    var source = "samples/naip/naip_2020_utm14n.tif"

    @Option(help: "The mosaic's side in pixels.")
    var size = 2048

    @Option(help: "Window side in pixels (a multiple of 32).")
    var tile = 1024

    @Option(help: "Pixels shared by neighbouring windows.")
    var overlap = 256

    @Option(help: "Windows per forward pass.")
    var batch = 1

    @Option(help: "libtorch intra-op threads.")
    var threads = 2

    @Option(parsing: .upToNextOption, help: "Precisions to time: fp32, bf16, fp16, auto.")
    var precision: [Precision] = [.fp32, .bf16]

    @OptionGroup var device: DeviceOptions

    func run() throws {
      try MemoryPolicy.forRepeatedModelRuns()
      var options = PredictBenchmark.Options()
      (options.size, options.tile, options.overlap, options.batch, options.threads) = (size, tile, overlap, batch, threads)
      options.precisions = precision
      options.device = try device.resolved()
      let models = model.isEmpty && preset.isEmpty ? ["samples/models/dubai-demo.safetensors"] : model
      let presets = preset.isEmpty ? (model.isEmpty ? ["vaihingen"] : []) : preset.filter { $0 != "none" }
      var subjects: [() throws -> PredictBenchmark.Subject] = models.map { path in
        {
          let (network, description) = try BiCoRSeg.load(modelFile: path)
          return PredictBenchmark.Subject(
            name: URL(fileURLWithPath: path).lastPathComponent, model: network, normalization: description.normalization,
            classes: description.classes)
        }
      }
      subjects += try presets.map { name in
        let preset = try BiCoRSegPreset.named(name)
        return {
          Torch.manualSeed(0)
          return PredictBenchmark.Subject(
            name: preset.name, model: try BiCoRSeg(preset.model), normalization: preset.normalization, classes: preset.classes)
        }
      }
      try CommandFailure.mapping {
        for make in subjects {
          let subject = try make()
          try PredictBenchmark.run(subject, source: source, bands: Array(0..<subject.normalization.mean.count), options: options) {
            try printJSONLine($0)
          }
        }
      }
    }
  }
}
