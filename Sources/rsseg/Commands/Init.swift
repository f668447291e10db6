import ArgumentParser
import Foundation
import RSSeg
import RSSegModels

extension RSSegCommand {
  /// `rsseg init`: a fresh model file: BiCoR-Seg (optionally with an ImageNet encoder) or the
  /// LAVT referring model (BERT from a HF folder, Swin optionally from official weights).
  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create a model file with fresh weights: BiCoR-Seg (encoder optionally from ImageNet) or LAVT (BERT from a folder).")

    @Option(help: "bicor-seg (default) or lavt (referring segmentation).")
    var architecture = "bicor-seg"

    @OptionGroup var model: BiCoRSegModelOptions

    @Option(name: [.customLong("imagenet"), .customLong("backbone-weights")], help: "torchvision ConvNeXt ImageNet weights (e.g. convnext_base-6075fbad.pth) for the encoder.")
    var imagenet: String?

    @Option(help: "LAVT: the HF BERT model folder (config.json, vocab.txt, weights) of the text encoder.")
    var bert: String?

    @Option(help: "LAVT: official Swin weights (e.g. swin_base_patch4_window12_384_22k.pth) for the image encoder.")
    var swinWeights: String?

    @Option(help: "LAVT: a JSON LAVT configuration instead of the paper's (Swin-B, window 12).")
    var lavtConfig: String?

    @Option(help: "Random seed for the fresh weights.")
    var seed: UInt64 = 0

    @Option(name: [.customLong("out"), .customShort("o"), .customLong("output")], help: "The model file to write (.safetensors).")
    var output: String

    func validate() throws {
      switch architecture {
      case "bicor-seg":
        guard model.preset != nil else { throw ValidationError("--preset is required for bicor-seg") }
        guard bert == nil, swinWeights == nil, lavtConfig == nil else {
          throw ValidationError("--bert, --swin-weights and --lavt-config are for --architecture lavt")
        }
      case "lavt":
        guard bert != nil else { throw ValidationError("--architecture lavt needs --bert DIR (a HF BERT model folder)") }
        guard model.preset == nil, model.config == nil, imagenet == nil else {
          throw ValidationError("--preset, --config and --imagenet are for bicor-seg; LAVT takes --lavt-config")
        }
      default:
        throw ValidationError("unknown architecture '\(architecture)' (bicor-seg or lavt)")
      }
    }

    func run() throws {
      if architecture == "lavt" { return try runLAVT() }
      let (preset, config) = try model.resolve()
      let (network, description, encoder) = try BiCoRSeg.initialise(
        preset: preset, config: config, imageNet: imagenet, seed: seed)
      if let encoder { print("encoder: \(encoder)") }
      try ModelFile.write(network, description: description, to: output)
      print("wrote \(output): BiCoR-Seg \(preset.name), \(try network.parameterCount()) parameters")
    }

    private func runLAVT() throws {
      var config = LAVTConfig.paper()
      if let lavtConfig {
        do {
          config = try JSONDecoder().decode(LAVTConfig.self, from: Data(contentsOf: URL(fileURLWithPath: lavtConfig)))
        } catch {
          throw CommandFailure("\(lavtConfig): not a LAVT configuration: \(error)")
        }
      }
      let (network, description, swin) = try ReferringSegmenter.initialise(
        config: config, bert: URL(fileURLWithPath: bert!), swinWeights: swinWeights, seed: seed)
      if let swin { print("swin: \(swin)") }
      try ModelFile.write(network, description: description, to: output)
      let vocabulary = network.textEncoder.config.vocabSize
      print("wrote \(output): LAVT with BERT \(network.textEncoder.config.hiddenSize)-d (vocabulary \(vocabulary)), "
        + "\(try network.parameterCount()) parameters")
    }
  }
}
