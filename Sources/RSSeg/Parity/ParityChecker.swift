import Foundation
import Torch

/// A parity fixture: reference tensors plus a metadata `config` JSON whose `kind` names the
/// checker that understands it.
public struct ParityFixture {
  public let path: String
  public let file: SafeTensorsFile
  /// The metadata `config` as JSON text.
  public let configJSON: Data
  /// `config.kind`.
  public let kind: String

  public init(path: String) throws {
    self.path = path
    file = try SafeTensors.read(path)
    guard let config = file.metadata["config"] else {
      throw ParityError.badFixture(path: path, "no `config` entry in the safetensors metadata")
    }
    configJSON = Data(config.utf8)
    let object = try? JSONSerialization.jsonObject(with: configJSON) as? [String: Any]
    guard let kind = object?["kind"] as? String else {
      throw ParityError.badFixture(path: path, "the metadata `config` is not a JSON object with a string `kind`")
    }
    self.kind = kind
  }

  /// The model configuration decoded from the metadata `config`.
  public func config<T: Decodable>(as type: T.Type) throws -> T {
    do {
      return try JSONDecoder().decode(T.self, from: configJSON)
    } catch {
      throw ParityError.badFixture(path: path, "metadata `config` does not describe a \(T.self): \(error)")
    }
  }

  /// The tensor stored under `name`.
  public func tensor(_ name: String) throws -> Tensor {
    guard file.names.contains(name) else { throw ParityError.badFixture(path: path, "no tensor `\(name)`") }
    return try file.tensor(named: name)
  }

  /// Every tensor whose key starts with `prefix`, keyed without it.
  public func tensors(prefix: String) throws -> [String: Tensor] {
    var out: [String: Tensor] = [:]
    for name in file.names where name.hasPrefix(prefix) { out[String(name.dropFirst(prefix.count))] = try file.tensor(named: name) }
    return out
  }
}

/// A model family's parity check: builds the model from a fixture and compares every stored
/// tensor. Register new kinds in `ParityChecker.kinds`.
public protocol ParityFixtureKind: Sendable {
  /// The fixture `config.kind` this check handles.
  var kind: String { get }
  func check(_ fixture: ParityFixture) throws -> ParityReport
}

/// Failures that prevent a parity check from running at all.
public enum ParityError: Error, CustomStringConvertible {
  case badFixture(path: String, String)
  case unknownKind(path: String, kind: String, known: [String])

  public var description: String {
    switch self {
    case .badFixture(let path, let message): return "\(path): \(message)"
    case .unknownKind(let path, let kind, let known):
      return "\(path): no parity check for fixture kind '\(kind)' (known: \(known.joined(separator: ", ")))"
    }
  }
}

/// The one parity checker: reads a fixture, picks the check registered for its kind, runs it.
public enum ParityChecker {
  /// Every known fixture kind.
  public static let kinds: [any ParityFixtureKind] = [BiCoRSegParity()]

  /// Checks the fixture at `path` in float32 on the CPU.
  public static func verify(path: String, kinds: [any ParityFixtureKind] = kinds) throws -> ParityReport {
    let fixture = try ParityFixture(path: path)
    guard let check = kinds.first(where: { $0.kind == fixture.kind }) else {
      throw ParityError.unknownKind(path: path, kind: fixture.kind, known: kinds.map(\.kind))
    }
    return try check.check(fixture)
  }
}
