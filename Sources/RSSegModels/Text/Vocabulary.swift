import Foundation

/// A WordPiece vocabulary: one token per line of `vocab.txt`, the line number is the id.
///
/// Tokens are compared scalar by scalar, as Python compares `str` keys: `"é"` precomposed and
/// `"e\u{301}"` are different tokens (Swift's `String ==` would call them equal).
/// As in HF `load_vocab` (Python text mode), lines end at `\n`, `\r\n` or `\r`, and a token
/// listed twice keeps its last line number.
public struct Vocabulary: Sendable {
  /// Tokens by id.
  public let tokens: [String]
  private let ids: [[Unicode.Scalar]: Int]

  /// Builds a vocabulary from tokens in id order.
  public init(tokens: [String]) {
    self.tokens = tokens
    var ids = [[Unicode.Scalar]: Int](minimumCapacity: tokens.count)
    for (id, token) in tokens.enumerated() { ids[Array(token.unicodeScalars)] = id }
    self.ids = ids
  }

  /// Files and token counts beyond these are refused before reading (BERT's vocabularies have
  /// 30–250 thousand tokens in under 5 MB).
  static let maxFileSize = 64 << 20
  static let maxTokens = 1 << 21

  /// Reads `vocab.txt` (UTF-8, one token per line).
  /// - Throws: `TextError.badFile` when the file cannot be read, is not UTF-8, is empty or is
  ///   too large for a vocabulary.
  public init(contentsOf url: URL) throws {
    if let size = try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int {
      guard size <= Self.maxFileSize else {
        throw TextError.badFile(path: url.path, problem: "\(size) bytes is too big for a vocabulary (limit \(Self.maxFileSize))")
      }
      // Checked before reading: Foundation leaks a buffer reading an empty file (found by fuzzing).
      guard size > 0 else { throw TextError.badFile(path: url.path, problem: "the vocabulary is empty") }
    }
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw TextError.badFile(path: url.path, problem: "cannot read the vocabulary (\(error.localizedDescription))")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw TextError.badFile(path: url.path, problem: "the vocabulary is not UTF-8 text")
    }
    let lines = Vocabulary.lines(text)
    guard !lines.isEmpty else { throw TextError.badFile(path: url.path, problem: "the vocabulary is empty") }
    guard lines.count <= Self.maxTokens else {
      throw TextError.badFile(path: url.path, problem: "\(lines.count) tokens is more than a vocabulary may hold (\(Self.maxTokens))")
    }
    self.init(tokens: lines)
  }

  /// Lines as Python's text mode reads them: `\n`, `\r\n` and `\r` end a line.
  static func lines(_ text: String) -> [String] {
    var lines: [String] = []
    var line = String.UnicodeScalarView()
    var previousWasCR = false
    for scalar in text.unicodeScalars {
      if scalar == "\n" && previousWasCR { previousWasCR = false; continue }
      previousWasCR = scalar == "\r"
      if scalar == "\n" || scalar == "\r" {
        lines.append(String(line))
        line = String.UnicodeScalarView()
      } else {
        line.append(scalar)
      }
    }
    if !line.isEmpty { lines.append(String(line)) }
    return lines
  }

  public var count: Int { tokens.count }

  /// The id of a token given as scalars, or nil.
  public func id(of scalars: [Unicode.Scalar]) -> Int? { ids[scalars] }

  /// The id of a token, or nil.
  public func id(of token: String) -> Int? { ids[Array(token.unicodeScalars)] }

  /// The token of an id, or nil when out of range.
  public func token(of id: Int) -> String? { tokens.indices.contains(id) ? tokens[id] : nil }
}
