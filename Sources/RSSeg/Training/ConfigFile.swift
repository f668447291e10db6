import Foundation
import RSSegModels
import Yams

/// The YAML side of training configs, shared by every family (`ConfigFamily`): a flat mapping
/// of snake_case keys, `key=value` overrides read as YAML (YAML null removes the key), unknown
/// keys rejected, missing keys given their defaults, relative paths resolved against the config
/// file's folder, decoding through JSON, and the settings written back as JSON.
enum ConfigFile {
  /// Configs are a few hundred bytes; larger files are refused before parsing.
  static let maxFileSize = 1 << 20
  static let maxValues = 100_000

  /// The file's mapping (no overrides, no key checks); for choosing the family by its `dataset`.
  /// Hostile files (huge, alias bombs, non-scalar keys) are refused before Yams builds values.
  static func values(path: String) throws -> [String: Any] {
    guard let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil else {
      throw TrainingError.config(path: path, "cannot read the file")
    }
    // Sizes are checked before reading (an empty file too: Foundation leaks a buffer reading one).
    guard size > 0 else { throw TrainingError.config(path: path, "the config is empty") }
    guard size <= maxFileSize else { throw TrainingError.config(path: path, "\(size) bytes is too big for a config (limit \(maxFileSize))") }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw TrainingError.config(path: path, "cannot read the file (or it is not UTF-8 text)")
    }
    do {
      guard let node = try Yams.compose(yaml: text) else { throw TrainingError.config(path: path, "the config is empty") }
      guard case .mapping = node else { throw TrainingError.config(path: path, "the config is not a mapping of keys to values") }
      var budget = maxValues
      if let problem = problem(in: node, budget: &budget) { throw TrainingError.config(path: path, problem) }
      return try Yams.load(yaml: text) as? [String: Any] ?? [:]
    } catch let error as TrainingError {
      throw error
    } catch {
      throw TrainingError.config(path: path, "not valid YAML: \(error)")
    }
  }

  /// What makes `node` unfit to be turned into values, if anything: aliases share nodes, so a
  /// small file can expand to billions ("billion laughs"); and Yams traps on a mapping key that
  /// is not a scalar (found by fuzzing). Stops as soon as the budget of values is spent.
  private static func problem(in node: Node, budget: inout Int) -> String? {
    budget -= 1
    guard budget >= 0 else { return "the config expands to more than \(maxValues) values (aliases?)" }
    switch node {
    case .scalar: return nil
    case .sequence(let items):
      for item in items { if let p = problem(in: item, budget: &budget) { return p } }
    case .mapping(let pairs):
      for (key, value) in pairs {
        guard case .scalar = key else { return "a mapping key is a list or mapping, not a plain name" }
        if let p = problem(in: value, budget: &budget) { return p }
      }
    }
    return nil
  }

  /// Reads `path` as a `Family` config: applies `overrides`, checks every key, fills missing
  /// keys with the family's and the run settings' defaults, resolves the relative paths under
  /// `Family.pathKeys` and decodes the family's settings and its `RunSettings` from the one
  /// flat mapping.
  static func load<Family: ConfigFamily>(_ type: Family.Type, path: String, overrides: [String]) throws -> Family {
    var values = try values(path: path)
    for item in overrides {
      guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
        throw TrainingError.config(path: path, "override '\(item)' is not key=value")
      }
      let key = String(item[..<eq]), raw = String(item[item.index(after: eq)...])
      guard Family.isKey(key) else {
        throw TrainingError.config(path: path, "unknown key '\(key)' in override '\(item)'")
      }
      do { values[key] = try Yams.load(yaml: raw) } catch { values[key] = raw }
    }
    values = values.filter { !($0.value is NSNull) }  // null means "not given": the default applies
    // Run folders saved before `precision` existed say `bf16: true/false`.
    if let bf16 = values.removeValue(forKey: "bf16") as? Bool, values["precision"] == nil {
      values["precision"] = bf16 ? Precision.bf16.rawValue : Precision.fp32.rawValue
    }
    for key in values.keys.sorted() where !Family.isKey(key) {
      throw TrainingError.config(path: path, "unknown key '\(key)'")
    }
    for key in Family.requiredKeys where values[key] == nil {
      throw TrainingError.config(path: path, "'\(key)' is missing")
    }
    let base = URL(fileURLWithPath: path).absoluteURL.deletingLastPathComponent()
    for key in Family.pathKeys {
      if let p = values[key] as? String, !p.hasPrefix("/") { values[key] = base.appendingPathComponent(p).standardized.path }
    }
    guard JSONSerialization.isValidJSONObject(values) else {
      throw TrainingError.config(path: path, "a value is not a number, string, list or mapping (a date, binary data, NaN?)")
    }
    do {
      let defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(FlatConfig(Family.defaults))) as? [String: Any] ?? [:]
      let json = try JSONSerialization.data(withJSONObject: defaults.merging(values) { _, given in given })
      let config = try JSONDecoder().decode(FlatConfig<Family>.self, from: json).config
      try config.run.validate(path: path)
      return config
    } catch let error as TrainingError {
      throw error
    } catch {
      throw TrainingError.config(path: path, "\(error)")
    }
  }

  /// The settings, family and run together, as key-sorted JSON (YAML-compatible; recorded in
  /// run folders).
  static func json<Family: ConfigFamily>(_ config: Family) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(FlatConfig(config)), as: UTF8.self)
  }
}

/// A family of training configs (`SegmentationTrainingConfig`, `ReferringTrainingConfig`): its
/// own settings, decoded by Swift's synthesised `Codable` from `CodingKeys` (which leave `run`
/// out), beside the shared `RunSettings` in one flat mapping of snake_case keys.
protocol ConfigFamily: Codable {
  associatedtype CodingKeys: CodingKey & CaseIterable & RawRepresentable<String>
  /// Every setting at its default; required keys hold placeholders.
  static var defaults: Self { get }
  /// Keys a config must give.
  static var requiredKeys: [String] { get }
  /// Keys holding paths, resolved against the config file's folder.
  static var pathKeys: [String] { get }
  var run: RunSettings { get set }
}

extension ConfigFamily {
  /// Whether `key` is one of the family's or the run settings' keys.
  static func isKey(_ key: String) -> Bool {
    CodingKeys(rawValue: key) != nil || RunSettings.CodingKeys(rawValue: key) != nil
  }
}

/// A family's settings and its run settings, read from and written to the same mapping.
private struct FlatConfig<Family: ConfigFamily>: Codable {
  var config: Family

  init(_ config: Family) { self.config = config }

  init(from decoder: Decoder) throws {
    config = try Family(from: decoder)
    config.run = try RunSettings(from: decoder)
  }

  func encode(to encoder: Encoder) throws {
    try config.encode(to: encoder)
    try config.run.encode(to: encoder)
  }
}
