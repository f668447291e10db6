import ArgumentParser
import RSSeg
import RSSegModels

extension RSSegCommand {
  /// `rsseg import`: an official BiCoR-Seg checkpoint into a self-describing model file.
  struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Convert official BiCoR-Seg weights (Lightning .ckpt, .pth or .safetensors) into a model file.")

    @Argument(help: "The official checkpoint; Lightning keys under `state_dict` with the prefix `net.` are accepted.")
    var checkpoint: String

    @OptionGroup var model: BiCoRSegModelOptions

    @Option(name: [.customLong("out"), .customShort("o"), .customLong("output")], help: "The model file to write (.safetensors).")
    var output: String

    func run() throws {
      let (preset, config) = try model.resolve()
      let (network, description) = try BiCoRSeg.importReference(checkpoint: checkpoint, preset: preset, config: config)
      try ModelFile.write(network, description: description, to: output)
      print("wrote \(output): BiCoR-Seg \(preset.name), \(try network.parameterCount()) parameters, all keys loaded")
    }
  }
}
