import Foundation

/// Everything besides the weights that a model file records, so that a file alone is enough to
/// build the network and to read and write imagery for it.
public struct ModelDescription: Sendable, Equatable {
  /// The network family, e.g. "bicor-seg".
  public var architecture: String
  /// The family's configuration as JSON (for BiCoR-Seg, an encoded `BiCoRSegConfig`).
  public var config: String
  public var classes: SegmentationClasses
  /// Applied to [0, 1] pixels before the network.
  public var normalization: Normalization
  /// What each input channel holds, in order (e.g. ["red", "green", "blue"]).
  public var bands: [String]
  /// Where the weights came from (a checkpoint path, "init", …).
  public var source: String
  /// Further metadata entries an architecture needs (a referring model's WordPiece vocabulary
  /// and tokenizer settings); keys other than the standard ones.
  public var extras: [String: String]

  public init(
    architecture: String, config: String, classes: SegmentationClasses, normalization: Normalization, bands: [String],
    source: String, extras: [String: String] = [:]
  ) {
    self.architecture = architecture
    self.config = config
    self.classes = classes
    self.normalization = normalization
    self.bands = bands
    self.source = source
    self.extras = extras
  }

  /// The description of a BiCoR-Seg built from `preset` with `config` (the preset's by default).
  public init(preset: BiCoRSegPreset, config: BiCoRSegConfig? = nil, source: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    self.init(
      architecture: BiCoRSeg.architecture,
      config: String(decoding: try encoder.encode(config ?? preset.model), as: UTF8.self),
      classes: preset.classes, normalization: preset.normalization, bands: preset.bands, source: source)
  }

  /// The safetensors metadata: one JSON value per key.
  var metadata: [String: String] {
    func json(_ value: Any) -> String {
      String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }
    return extras.merging([
      "format": ModelFile.format,
      "architecture": architecture,
      "config": config,
      "class_names": json(classes.names),
      "palette": json(classes.palette.map { [Int($0.red), Int($0.green), Int($0.blue)] }),
      "normalization": json(["mean": normalization.mean.map(Double.init), "std": normalization.std.map(Double.init)]),
      "bands": json(bands),
      "source": source,
    ]) { _, standard in standard }
  }

  /// The metadata keys every model file has.
  static let standardKeys: Set<String> = [
    "format", "architecture", "config", "class_names", "palette", "normalization", "bands", "source",
  ]

  /// Reads the metadata written by `metadata`; `path` names the file in errors.
  init(metadata: [String: String], path: String) throws {
    func field(_ key: String) throws -> String {
      guard let value = metadata[key] else { throw ModelFileError.missing(path: path, key: key) }
      return value
    }
    func decode<T: Decodable>(_ key: String, as type: T.Type) throws -> T {
      do {
        return try JSONDecoder().decode(T.self, from: Data(try field(key).utf8))
      } catch let error as ModelFileError {
        throw error
      } catch {
        throw ModelFileError.malformed(path: path, key: key, "\(error)")
      }
    }
    guard try field("format") == ModelFile.format else {
      throw ModelFileError.malformed(path: path, key: "format", "expected '\(ModelFile.format)', found '\(metadata["format"]!)'")
    }
    let names = try decode("class_names", as: [String].self)
    let palette = try decode("palette", as: [[UInt8]].self)
    guard palette.count == names.count, names.count < 255, palette.allSatisfy({ $0.count == 3 }) else {
      throw ModelFileError.malformed(path: path, key: "palette", "needs one [r, g, b] per class (\(names.count) classes)")
    }
    let normalization = try decode("normalization", as: [String: [Float]].self)
    guard let mean = normalization["mean"], let std = normalization["std"], !mean.isEmpty, mean.count == std.count else {
      throw ModelFileError.malformed(path: path, key: "normalization", "needs equally long `mean` and `std` lists")
    }
    self.init(
      architecture: try field("architecture"), config: try field("config"),
      classes: SegmentationClasses(names: names, palette: palette.map { RGB($0[0], $0[1], $0[2]) }),
      normalization: Normalization(mean: mean, std: std), bands: try decode("bands", as: [String].self),
      source: metadata["source"] ?? "", extras: metadata.filter { !Self.standardKeys.contains($0.key) })
  }
}
