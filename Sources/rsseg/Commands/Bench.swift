import ArgumentParser
import Foundation
import RSSeg
import RSSegModels
import Torch

extension RSSegCommand {
  /// `rsseg bench …`: repeatable benchmarks printing JSON lines.
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run benchmarks; each prints JSON lines.",
      subcommands: [Dispatch.self, Model.self, Predict.self])
  }
}

extension RSSegCommand.Bench {
  /// Swift-over-C++ dispatch cost per op call.
  struct Dispatch: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Per-op dispatch overhead from Swift versus the same calls looped in C++.")

    @Option(help: "Calls per measurement (conv2d uses a tenth).")
    var iterations = 100_000

    @Option(help: "libtorch intra-op threads.")
    var threads = 1

    func run() throws {
      Torch.threads = threads
      for result in try DispatchBenchmark.run(iterations: iterations) {
        try printJSONLine(result)
      }
    }
  }
}

extension RSSegCommand.Bench {
  /// Evaluation and training-step latency and peak memory of a BiCoR-Seg preset or a referring
  /// model (LAVT, BTDNet).
  struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Model eval latency (fp32, bf16 autocast; batch 1), one training step (batch 2) and peak memory.",
      discussion: """
        Times are {"wall", "cpu"} seconds (median after a warm-up). On a machine shared with other \
        work, run with OMP_WAIT_POLICY=passive: libtorch's OpenMP threads otherwise spin at every \
        barrier while the other thread waits for a core, which multiplies both clocks.
        """)

    @Option(help: """
      BiCoR-Seg preset (vaihingen, potsdam, loveda) or referring model (lavt, btdnet: Swin-B window 12 \
      + bert-base shapes, random weights, 20-token sentences; use --size 480).
      """)
    var preset = "vaihingen"

    @Option(help: "Square input side in pixels (a multiple of 32).")
    var size = 512

    @Option(help: "libtorch intra-op threads.")
    var threads = 2

    @Option(help: "Timed runs per measurement (after one warm-up); the median is reported.")
    var repeats = 3

    @Flag(help: "Only time evaluation.")
    var skipTrain = false

    @Flag(help: "Leave out the bf16 autocast evaluation (slow where the CPU lacks native bf16).")
    var skipBF16 = false

    @Flag(help: "Keep convolution weights and inputs channels-last (NHWC).")
    var channelsLast = false

    @Option(help: "Images per training step.")
    var trainBatch = 2

    @Option(help: "Training-step arithmetic: fp32, bf16 (autocast), or auto (bf16 where native).")
    var trainPrecision = Precision.fp32

    @Flag(help: "Time only the BiCoR-Seg preset's ConvNeXt encoder (torchvision's convnext features), to compare with torchvision.")
    var encoderOnly = false

    @Flag(inversion: .prefixedNo, help: "Referring models: recompute the Swin blocks in backward (rsseg train's checkpoint_swin).")
    var checkpointSwin = true

    @Flag(help: "Run AdamW's update inside backward, freeing each gradient once applied (rsseg train's optimizer_in_backward; not BiCoR-Seg).")
    var optimizerInBackward = false

    @Option(help: "Also profile one evaluation and one training step by op, reporting the N ops with the most self time.")
    var profile = 0

    @Flag(help: "With --profile: tell ops apart by their input shapes too.")
    var profileShapes = false

    @OptionGroup var device: DeviceOptions

    func run() throws {
      try MemoryPolicy.forRepeatedModelRuns()
      let referring = ["lavt", "btdnet"].contains(preset.lowercased())
      if referring && encoderOnly { throw ValidationError("--encoder-only times a BiCoR-Seg preset's encoder, not \(preset)") }
      let subject: ModelBenchmark.Subject =
        referring ? try .referring(named: preset)
        : encoderOnly ? .encoder(try BiCoRSegPreset.named(preset)) : .bicor(try BiCoRSegPreset.named(preset))
      var options = ModelBenchmark.Options(
        subject: subject, size: size, threads: threads, repeats: repeats, skipTrain: skipTrain, channelsLast: channelsLast)
      options.skipBF16 = skipBF16
      options.trainBatch = trainBatch
      options.trainPrecision = trainPrecision
      options.checkpointSwin = checkpointSwin
      options.optimizerInBackward = optimizerInBackward
      options.profileTop = profile
      options.profileShapes = profileShapes
      options.device = try device.resolved()
      try printJSONLine(try ModelBenchmark.run(options))
    }
  }
}

/// Prints one compact JSON object on its own line.
func printJSONLine<T: Encodable>(_ value: T) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys]
  print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
