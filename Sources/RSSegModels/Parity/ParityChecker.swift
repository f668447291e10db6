import Torch

/// A model family's parity check: builds the model from a fixture and compares every stored
/// tensor. Register new kinds in `ParityChecker.kinds`.
public protocol ParityFixtureKind: Sendable {
  /// The fixture `kind` this check handles (what reports and errors name).
  var kind: String { get }
  /// Whether this check understands `fixture`; by default, when the fixture's kind is `kind`.
  /// Fixtures without a kind (e.g. a bare BERT output file) are claimed by overriding this.
  func accepts(_ fixture: ParityFixture) -> Bool
  func check(_ fixture: ParityFixture) throws -> ParityReport
}

extension ParityFixtureKind {
  public func accepts(_ fixture: ParityFixture) -> Bool { fixture.kind == kind }
}

/// Failures that prevent a parity check from running at all.
public enum ParityError: Error, CustomStringConvertible {
  case badFixture(path: String, String)
  case unknownKind(path: String, kind: String?, known: [String])

  public var description: String {
    switch self {
    case .badFixture(let path, let message): return "\(path): \(message)"
    case .unknownKind(let path, let kind, let known):
      let what = kind.map { "fixture kind '\($0)'" } ?? "this fixture (no `config` entry with a `kind` in its metadata)"
      return "\(path): no parity check for \(what) (known: \(known.joined(separator: ", ")))"
    }
  }
}

/// The one parity checker: reads a fixture, picks the check that accepts it, runs it.
public enum ParityChecker {
  /// Every known fixture kind.
  public static let kinds: [any ParityFixtureKind] = [BiCoRSegParity(), BiCoRSegTrainingParity(), LAVTParity(), TextParity()]

  /// Checks the fixture at `path`, running the model on `device` (text fixtures run on the CPU).
  public static func verify(path: String, device: Device = .cpu, kinds: [any ParityFixtureKind] = kinds) throws -> ParityReport {
    var fixture = try ParityFixture(path: path)
    fixture.device = device
    guard let check = kinds.first(where: { $0.accepts(fixture) }) else {
      throw ParityError.unknownKind(path: path, kind: fixture.kind, known: kinds.map(\.kind))
    }
    return try check.check(fixture)
  }
}
