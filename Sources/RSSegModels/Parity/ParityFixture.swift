import Foundation
import Torch

/// A reference fixture, as a parity check receives it: a `.safetensors` file of reference tensors
/// (its metadata `config` JSON names the kind and holds the model configuration), or a `.json`
/// fixture (a top-level `kind`, e.g. tokenizer cases).
public struct ParityFixture {
  public let path: String
  /// The tensors; nil for a JSON fixture.
  public let file: SafeTensorsFile?
  /// The safetensors metadata (empty for a JSON fixture).
  public let metadata: [String: String]
  /// The describing JSON: the metadata `config`, or the whole JSON fixture; nil when absent.
  public let configJSON: Data?
  /// The describing JSON's `kind`, when it has one.
  public let kind: String?
  /// Where the checks run the model and its inputs (the comparisons run on the CPU).
  public var device = Device.cpu

  public init(path: String) throws {
    self.path = path
    if path.hasSuffix(".json") {
      file = nil
      metadata = [:]
      configJSON = try Data(contentsOf: URL(fileURLWithPath: path))
    } else {
      let file = try SafeTensors.read(path)
      self.file = file
      metadata = file.metadata
      configJSON = file.metadata["config"].map { Data($0.utf8) }
    }
    if let configJSON {
      guard let object = try? JSONSerialization.jsonObject(with: configJSON) as? [String: Any] else {
        throw ParityError.badFixture(path: path, "the fixture's config is not a JSON object")
      }
      kind = object["kind"] as? String
    } else {
      kind = nil
    }
  }

  /// Names of the stored tensors (none for a JSON fixture).
  public var tensorNames: [String] { file?.names ?? [] }

  /// The configuration decoded from the describing JSON.
  public func config<T: Decodable>(as type: T.Type) throws -> T {
    guard let configJSON else { throw ParityError.badFixture(path: path, "no `config` entry in the safetensors metadata") }
    do {
      return try JSONDecoder().decode(T.self, from: configJSON)
    } catch {
      throw ParityError.badFixture(path: path, "the config does not describe a \(T.self): \(error)")
    }
  }

  /// The tensor stored under `name`.
  public func tensor(_ name: String) throws -> Tensor {
    guard let file, file.names.contains(name) else { throw ParityError.badFixture(path: path, "no tensor `\(name)`") }
    return try file.tensor(named: name)
  }

  /// Every tensor whose key starts with `prefix`, keyed without it.
  public func tensors(prefix: String) throws -> [String: Tensor] {
    var out: [String: Tensor] = [:]
    for name in tensorNames where name.hasPrefix(prefix) { out[String(name.dropFirst(prefix.count))] = try tensor(name) }
    return out
  }
}
