import Foundation
import Yams

/// The YAML side of training configs, shared by every family (`TrainingConfig`,
/// `ReferringTrainingConfig`): a flat mapping of snake_case keys, `key=value` overrides read as
/// YAML (YAML null removes the key), unknown keys rejected, relative paths resolved against the
/// config file's folder, decoding through JSON, and the settings written back as JSON.
enum ConfigFile {
  /// The file's mapping (no overrides, no checks); for choosing the family by its `dataset`.
  static func values(path: String) throws -> [String: Any] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw TrainingError.config(path: path, "cannot read the file")
    }
    do {
      return try Yams.load(yaml: text) as? [String: Any] ?? [:]
    } catch {
      throw TrainingError.config(path: path, "not valid YAML: \(error)")
    }
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
