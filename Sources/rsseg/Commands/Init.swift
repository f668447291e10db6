import ArgumentParser
import RSSeg

extension RSSegCommand {
  /// `rsseg init`: a fresh BiCoR-Seg model file, optionally with an ImageNet encoder.
  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create a BiCoR-Seg model file with fresh weights (the encoder optionally from ImageNet).")

    @OptionGroup var model: BiCoRSegModelOptions

    @Option(help: "torchvision ConvNeXt ImageNet weights (e.g. convnext_base-6075fbad.pth) for the encoder.")
    var imagenet: String?

    @Option(help: "Random seed for the fresh weights.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "The model file to write (.safetensors).")
    var output: String

    func run() throws {
      let (preset, config) = try model.resolve()
      let (network, description, encoder) = try BiCoRSeg.initialise(
        preset: preset, config: config, imageNet: imagenet, seed: seed)
      if let encoder { print("encoder: \(encoder)") }
      try ModelFile.write(network, description: description, to: output)
      print("wrote \(output): BiCoR-Seg \(preset.name), \(try network.parameterCount()) parameters")
    }
  }
}
