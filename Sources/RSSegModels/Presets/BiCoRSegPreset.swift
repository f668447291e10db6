/// A named BiCoR-Seg setup for one dataset: the network, classes and colours, input
/// normalisation and band order, and the reference training recipe (BiCoR-Seg spec §3–§5).
public struct BiCoRSegPreset: Sendable, Equatable {
  public var name: String
  public var model: BiCoRSegConfig
  public var classes: SegmentationClasses
  /// Applied to [0, 1] pixels (ImageNet statistics, as the reference).
  public var normalization: Normalization
  /// What each input channel holds, in order (Vaihingen tiles are IRRG).
  public var bands: [String]
  public var training: TrainingDefaults
  /// Classes left out of mean IoU and mean F1 (ISPRS excludes Clutter; OA keeps it).
  public var excludedFromMeans: [Int]

  /// Every built-in preset.
  public static let all: [BiCoRSegPreset] = [vaihingen, potsdam, loveda]

  /// The built-in preset called `name` ("vaihingen", "potsdam", "loveda"; any case).
  public static func named(_ name: String) throws -> BiCoRSegPreset {
    guard let preset = all.first(where: { $0.name == name.lowercased() }) else {
      throw ModelConfigError.invalid(
        "unknown BiCoR-Seg preset '\(name)' (known: \(all.map(\.name).joined(separator: ", ")))")
    }
    return preset
  }

  public static let vaihingen = BiCoRSegPreset(
    name: "vaihingen",
    model: BiCoRSegConfig(classes: 6, layers: 2, topkRatio: 1, minPixels: 64),
    classes: .isprs, normalization: .imageNet, bands: ["nir", "red", "green"],
    training: TrainingDefaults(
      epochs: 45, trainBatch: 4, valBatch: 4, lr: 5e-5, trainCrop: 512, rot90Probability: 0.5, selection: .meanF1),
    excludedFromMeans: [5])

  public static let potsdam = BiCoRSegPreset(
    name: "potsdam",
    model: BiCoRSegConfig(classes: 6, layers: 3, topkRatio: 1, minPixels: 64),
    classes: .isprs, normalization: .imageNet, bands: ["red", "green", "blue"],
    training: TrainingDefaults(
      epochs: 45, trainBatch: 4, valBatch: 4, lr: 1e-4, trainCrop: 768, rot90Probability: 0.25, selection: .meanF1),
    excludedFromMeans: [5])

  public static let loveda = BiCoRSegPreset(
    name: "loveda",
    model: BiCoRSegConfig(classes: 7, layers: 2, topkRatio: 0.02, minPixels: 64, inModelFisher: true),
    classes: .loveDA, normalization: .imageNet, bands: ["red", "green", "blue"],
    training: TrainingDefaults(
      epochs: 30, trainBatch: 8, valBatch: 6, lr: 8e-5, trainCrop: 512, rot90Probability: 0.5, selection: .mIoU),
    excludedFromMeans: [])
}
