import Foundation
import RSSegModels

/// The semantic-segmentation benchmarks `train`, `evaluate` and `score` know by name, with their splits, classes, the
/// classes left out of the means and the metric that selects checkpoints (spec §3, §5).
public enum SegmentationBenchmark: String, Sendable, CaseIterable {
  case vaihingen, potsdam, loveda, dubai

  public init(named name: String) throws {
    guard let kind = SegmentationBenchmark(rawValue: name.lowercased()) else {
      throw DataError.invalidArgument(
        "unknown dataset '\(name)' (known: \(SegmentationBenchmark.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    self = kind
  }

  /// The BiCoR-Seg preset: the dataset's own; Dubai uses Vaihingen's network with its own classes.
  public var preset: BiCoRSegPreset {
    switch self {
    case .vaihingen: return .vaihingen
    case .potsdam: return .potsdam
    case .loveda: return .loveda
    case .dubai:
      var preset = BiCoRSegPreset.vaihingen
      preset.name = "dubai"
      preset.classes = .dubaiAerial
      preset.bands = ["red", "green", "blue"]
      preset.model.classes = SegmentationClasses.dubaiAerial.count
      preset.model.ignoreIndex = SegmentationClasses.dubaiAerial.count
      preset.excludedFromMeans = [5]  // Unlabeled
      return preset
    }
  }

  public var classes: SegmentationClasses { preset.classes }
  public var excludedFromMeans: Set<Int> { Set(preset.excludedFromMeans) }

  /// "mean_f1" (ISPRS, Dubai) or "miou" (LoveDA).
  public var monitorMetric: String { preset.training.selection.rawValue }

  /// The training split.
  public func trainingSet(root: URL) throws -> SegmentationDataset {
    switch self {
    case .vaihingen, .potsdam: return try ISPRS.patchDataset(root: root, split: .train)
    case .loveda: return try LoveDA.dataset(root: root, split: .train, prepared: Self.loveDAPrepared(root))
    case .dubai: return try DubaiAerial.dataset(root: root, split: .train)
    }
  }

  /// The split that selects checkpoints during training: the reference's for the benchmarks
  /// (ISPRS test patches, LoveDA Val); Dubai's held-out training images, not its test tile.
  public func validationSet(root: URL) throws -> SegmentationDataset {
    switch self {
    case .vaihingen, .potsdam, .loveda: return try evaluationSet(root: root)
    case .dubai: return try DubaiAerial.dataset(root: root, split: .val)
    }
  }

  /// The name of the split `evaluate` scores.
  public var evaluationSplitName: String {
    switch self {
    case .vaihingen, .potsdam: return "test"
    case .loveda: return "Val"
    case .dubai: return "test (tile 6)"
    }
  }

  /// The split `evaluate` scores (ISPRS test patches, LoveDA Val, Dubai tile 6).
  public func evaluationSet(root: URL) throws -> SegmentationDataset {
    switch self {
    case .vaihingen, .potsdam: return try ISPRS.patchDataset(root: root, split: .test)
    case .loveda: return try LoveDA.dataset(root: root, split: .val, prepared: Self.loveDAPrepared(root))
    case .dubai: return try DubaiAerial.dataset(root: root, split: .test)
    }
  }

  /// The reference's test-time augmentation for `mode`: d4 is Vaihingen flips × rot90{0,90} ×
  /// scales {0.5…1.5}, Potsdam flips × scales {0.75…1.5}, LoveDA and Dubai h-flip × scales
  /// {0.75…1.5}.
  public func augmentation(_ mode: TestTimeAugmentation.Mode) -> TestTimeAugmentation {
    switch (mode, self) {
    case (.none, _): return .none
    case (.lr, _): return .flips
    case (.d4, .vaihingen):
      return TestTimeAugmentation(horizontalFlip: true, verticalFlip: true, rotations: [0, 1], scales: [0.5, 0.75, 1, 1.25, 1.5])
    case (.d4, .potsdam):
      return TestTimeAugmentation(horizontalFlip: true, verticalFlip: true, scales: [0.75, 1, 1.25, 1.5])
    case (.d4, .loveda), (.d4, .dubai):
      return TestTimeAugmentation(horizontalFlip: true, scales: [0.75, 1, 1.25, 1.5])
    }
  }

  /// How `score` reads a ground-truth mask of `bands` bands. One band: class indices as
  /// `rsseg prepare` writes them (the ignore value N left out); Dubai's are its colour masks.
  /// RGB: ISPRS's official label colours (Vaihingen, Potsdam; Car is yellow 255,255,0), where
  /// black marks the boundary pixels of the eroded "noBoundary" variants and is ignored; other
  /// datasets' class colours (`classes.palette`, as `evaluate --save-masks color` writes them)
  /// with black ignored.
  public func groundTruthEncoding(bands: Int) -> LabelEncoding {
    switch (self, bands >= 3) {
    case (.vaihingen, false), (.potsdam, false), (.loveda, false): return .indices(classes)
    case (.dubai, _): return .dubaiAerialColors
    case (.vaihingen, true), (.potsdam, true): return .isprsColors
    case (.loveda, true): return .palette(classes)
    }
  }

  /// Whether `rsseg prepare loveda` output (class-index masks) is present.
  static func loveDAPrepared(_ root: URL) -> Bool {
    FileManager.default.fileExists(atPath: root.appendingPathComponent("Train/Urban/\(LoveDA.preparedMaskFolder)").path)
  }
}
