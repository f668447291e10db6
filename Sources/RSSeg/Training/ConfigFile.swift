import Foundation
import Yams

/// The YAML side of training configs, shared by every family (`TrainingConfig`,
/// `ReferringTrainingConfig`): a flat mapping of snake_case keys, `key=value` overrides read as
/// YAML (YAML null removes the key), unknown keys rejected, relative paths resolved against the
/// config file's folder, decoding through JSON, and the settings written back as JSON.
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

  /// Reads `path`, applies `overrides`, checks every key with `isKey`, resolves the relative
  /// paths under `pathKeys` and decodes `T`.
  static func load<T: Decodable>(
    _ type: T.Type, path: String, overrides: [String], isKey: (String) -> Bool, pathKeys: [String]
  ) throws -> T {
    var values = try values(path: path)
    for item in overrides {
      guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
        throw TrainingError.config(path: path, "override '\(item)' is not key=value")
      }
      let key = String(item[..<eq]), raw = String(item[item.index(after: eq)...])
      guard isKey(key) else {
        throw TrainingError.config(path: path, "unknown key '\(key)' in override '\(item)'")
      }
      do { values[key] = try Yams.load(yaml: raw) } catch { values[key] = raw }  // YAML null removes the key
    }
    for key in values.keys.sorted() where !isKey(key) {
      throw TrainingError.config(path: path, "unknown key '\(key)'")
    }
    let base = URL(fileURLWithPath: path).absoluteURL.deletingLastPathComponent()
    for key in pathKeys {
      if let p = values[key] as? String, !p.hasPrefix("/") { values[key] = base.appendingPathComponent(p).standardized.path }
    }
    guard JSONSerialization.isValidJSONObject(values) else {
      throw TrainingError.config(path: path, "a value is not a number, string, list or mapping (a date, binary data, NaN?)")
    }
    do {
      let json = try JSONSerialization.data(withJSONObject: values)
      return try JSONDecoder().decode(T.self, from: json)
    } catch {
      throw TrainingError.config(path: path, "\(error)")
    }
  }

  /// The settings as key-sorted JSON (YAML-compatible; recorded in run folders).
  static func json<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }
}
