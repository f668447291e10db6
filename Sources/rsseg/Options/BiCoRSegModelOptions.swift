import ArgumentParser
import Foundation
import RSSeg
import RSSegModels

/// Which BiCoR-Seg to build: a dataset preset, optionally with another network configuration.
struct BiCoRSegModelOptions: ParsableArguments {
  @Option(help: "Dataset preset: vaihingen, potsdam or loveda (classes, colours, bands, network); required for BiCoR-Seg.")
  var preset: String?

  @Option(help: "A JSON network configuration replacing the preset's (keys as in the parity fixtures' config).")
  var config: String?

  func validate() throws {
    guard let preset else { return }
    do {
      _ = try BiCoRSegPreset.named(preset)
    } catch {
      throw ValidationError("\(error)")
    }
  }

  func resolve() throws -> (preset: BiCoRSegPreset, config: BiCoRSegConfig?) {
    guard let name = preset else { throw ValidationError("--preset is required (vaihingen, potsdam or loveda)") }
    let preset = try BiCoRSegPreset.named(name)
    guard let config else { return (preset, nil) }
    let data = try Data(contentsOf: URL(fileURLWithPath: config))
    do {
      return (preset, try JSONDecoder().decode(BiCoRSegConfig.self, from: data))
    } catch {
      throw CommandFailure("\(config): not a BiCoR-Seg configuration: \(error)")
    }
  }
}
