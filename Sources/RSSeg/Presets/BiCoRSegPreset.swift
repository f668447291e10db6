/// A named BiCoR-Seg setup for one dataset: the network, class names, colours and the reference
/// training recipe (BiCoR-Seg spec §3 and §5).
public struct BiCoRSegPreset: Codable, Equatable, Sendable {
  /// One colour per class for RGB outputs, as [r, g, b].
  public typealias Palette = [[UInt8]]

  public var name: String
  public var model: BiCoRSegConfig
  public var classNames: [String]
  public var palette: Palette
  public var training: TrainingDefaults
  /// Classes left out of mean IoU and mean F1 (ISPRS excludes Clutter; OA keeps it).
  public var excludedFromMeans: [Int]

  enum CodingKeys: String, CodingKey {
    case name, model, palette, training
    case classNames = "class_names"
    case excludedFromMeans = "excluded_from_means"
  }

  /// Every built-in preset.
  public static let all: [BiCoRSegPreset] = [vaihingen, potsdam, loveda]

  /// The built-in preset called `name` ("vaihingen", "potsdam", "loveda").
  public static func named(_ name: String) throws -> BiCoRSegPreset {
    guard let preset = all.first(where: { $0.name == name.lowercased() }) else {
      throw ModelConfigError.invalid(
        "unknown BiCoR-Seg preset '\(name)' (known: \(all.map(\.name).joined(separator: ", ")))")
    }
    return preset
  }

  static let isprsClassNames = ["ImSurf", "Building", "LowVeg", "Tree", "Car", "Clutter"]
  static let isprsPalette: Palette = [[255, 255, 255], [0, 0, 255], [0, 255, 255], [0, 255, 0], [255, 204, 0], [255, 0, 0]]

  public static let vaihingen = BiCoRSegPreset(
    name: "vaihingen",
    model: BiCoRSegConfig(classes: 6, layers: 2, topkRatio: 1, minPixels: 64),
    classNames: isprsClassNames, palette: isprsPalette,
    training: TrainingDefaults(
      epochs: 45, trainBatch: 4, valBatch: 4, lr: 5e-5, trainCrop: 512, rot90Probability: 0.5, selection: .meanF1),
    excludedFromMeans: [5])

  public static let potsdam = BiCoRSegPreset(
    name: "potsdam",
    model: BiCoRSegConfig(classes: 6, layers: 3, topkRatio: 1, minPixels: 64),
    classNames: isprsClassNames, palette: isprsPalette,
    training: TrainingDefaults(
      epochs: 45, trainBatch: 4, valBatch: 4, lr: 1e-4, trainCrop: 768, rot90Probability: 0.25, selection: .meanF1),
    excludedFromMeans: [5])

  public static let loveda = BiCoRSegPreset(
    name: "loveda",
    model: BiCoRSegConfig(classes: 7, layers: 2, topkRatio: 0.02, minPixels: 64, inModelFisher: true),
    classNames: ["background", "building", "road", "water", "barren", "forest", "agricultural"],
    palette: [[255, 255, 255], [255, 0, 0], [255, 255, 0], [0, 0, 255], [159, 129, 183], [0, 255, 0], [255, 195, 128]],
    training: TrainingDefaults(
      epochs: 30, trainBatch: 8, valBatch: 6, lr: 8e-5, trainCrop: 512, rot90Probability: 0.5, selection: .mIoU),
    excludedFromMeans: [])
}
