import Foundation
import Torch

extension BiCoRSeg {
  /// The `architecture` recorded in model files.
  public static let architecture = "bicor-seg"

  /// Builds the network a model file describes and loads its weights strictly.
  public static func load(modelFile path: String) throws -> (model: BiCoRSeg, description: ModelDescription) {
    let (description, stateDict) = try ModelFile.read(path)
    guard description.architecture == architecture else {
      throw ModelFileError.architecture(path: path, found: description.architecture, expected: architecture)
    }
    let config: BiCoRSegConfig
    do {
      config = try JSONDecoder().decode(BiCoRSegConfig.self, from: Data(description.config.utf8))
    } catch {
      throw ModelFileError.malformed(path: path, key: "config", "\(error)")
    }
    guard config.classes == description.classes.count else {
      throw ModelFileError.malformed(
        path: path, key: "class_names", "\(description.classes.count) names for a \(config.classes)-class model")
    }
    let model = try BiCoRSeg(config)
    try model.loadStateDict(stateDict, strict: true)
    return (model, description)
  }
}

extension BiCoRSeg {
  /// A fresh network for `preset` (with `config` instead of the preset's, when given), seeded,
  /// with the encoder optionally initialised from torchvision ImageNet weights at `imageNet`.
  public static func initialise(
    preset: BiCoRSegPreset, config: BiCoRSegConfig? = nil, imageNet: String? = nil, seed: UInt64 = 0
  ) throws -> (model: BiCoRSeg, description: ModelDescription, encoder: PretrainedLoadReport?) {
    let config = config ?? preset.model
    try checkClasses(config, preset)
    Torch.manualSeed(seed)
    let model = try BiCoRSeg(config)
    let report = try imageNet.map { try model.loadImageNetEncoder(path: $0) }
    let source = imageNet.map { "init (seed \(seed)), encoder from \($0)" } ?? "init (seed \(seed))"
    return (model, try ModelDescription(preset: preset, config: config, source: source), report)
  }

  /// The network for `preset` (or `config`) with the official weights at `checkpoint` (a
  /// Lightning `.ckpt`, a `.pth` state dict or a `.safetensors` file), loaded strictly.
  public static func importReference(
    checkpoint: String, preset: BiCoRSegPreset, config: BiCoRSegConfig? = nil
  ) throws -> (model: BiCoRSeg, description: ModelDescription) {
    let config = config ?? preset.model
    try checkClasses(config, preset)
    let model = try BiCoRSeg(config)
    try model.loadReference(path: checkpoint)
    return (model, try ModelDescription(preset: preset, config: config, source: checkpoint))
  }

  private static func checkClasses(_ config: BiCoRSegConfig, _ preset: BiCoRSegPreset) throws {
    guard config.classes == preset.classes.count else {
      throw ModelConfigError.invalid(
        "the configuration has \(config.classes) classes but preset '\(preset.name)' names \(preset.classes.count)")
    }
  }
}
