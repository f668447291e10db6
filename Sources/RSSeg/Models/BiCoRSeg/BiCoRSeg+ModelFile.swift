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
