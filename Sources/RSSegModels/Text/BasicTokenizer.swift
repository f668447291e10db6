import Foundation

/// BERT's basic tokenisation before WordPiece, as HF transformers' `BasicTokenizer`:
/// clean the text (drop NUL, U+FFFD and control characters; whitespace becomes a space), put
/// spaces around CJK ideographs, split on whitespace, lower-case and strip accents (NFD, drop
/// non-spacing marks), and make every punctuation character a token of its own.
public struct BasicTokenizer: Sendable {
  public var lowerCase: Bool
  /// nil: strip accents exactly when lower-casing (BERT uncased); true/false force it.
  public var stripAccents: Bool?
  public var tokenizeChineseCharacters: Bool

  public init(lowerCase: Bool = true, stripAccents: Bool? = nil, tokenizeChineseCharacters: Bool = true) {
    self.lowerCase = lowerCase
    self.stripAccents = stripAccents
    self.tokenizeChineseCharacters = tokenizeChineseCharacters
  }

  /// The words and punctuation characters of `text`, in order.
  public func tokenize(_ text: String) -> [String] {
    var cleaned = String.UnicodeScalarView()
    for c in text.unicodeScalars {
      if c.value == 0 || c.value == 0xFFFD || CharacterClasses.isControl(c) { continue }
      if CharacterClasses.isWhitespace(c) {
        cleaned.append(" ")
      } else if tokenizeChineseCharacters && CharacterClasses.isChineseCharacter(c) {
        cleaned.append(" ")
        cleaned.append(c)
        cleaned.append(" ")
      } else {
        cleaned.append(c)
      }
    }
    // One code point per character whatever the input's composition (HF normalises to NFC).
    let normalized = String(cleaned).precomposedStringWithCanonicalMapping
    var tokens: [String] = []
    for word in Self.splitOnPythonSpace(normalized) {
      var word = word
      if lowerCase { word = word.lowercased() }
      if stripAccents ?? lowerCase { word = Self.removingAccents(word) }
      tokens += Self.splitOnPunctuation(word)
    }
    return tokens
  }

  /// Python's `str.split()`: runs of whitespace separate words, none are empty.
  static func splitOnPythonSpace(_ text: String) -> [String] {
    var words: [String] = []
    var word = String.UnicodeScalarView()
    for c in text.unicodeScalars {
      if CharacterClasses.isPythonSpace(c) {
        if !word.isEmpty { words.append(String(word)) }
        word = String.UnicodeScalarView()
      } else {
        word.append(c)
      }
    }
    if !word.isEmpty { words.append(String(word)) }
    return words
  }

  /// NFD, then without non-spacing marks (Mn): "résumé" → "resume".
  static func removingAccents(_ text: String) -> String {
    var out = String.UnicodeScalarView()
    for c in text.decomposedStringWithCanonicalMapping.unicodeScalars
    where c.properties.generalCategory != .nonspacingMark {
      out.append(c)
    }
    return String(out)
  }

  /// Every punctuation character alone, the runs between them kept together.
  static func splitOnPunctuation(_ word: String) -> [String] {
    var pieces: [String] = []
    var piece = String.UnicodeScalarView()
    for c in word.unicodeScalars {
      if CharacterClasses.isPunctuation(c) {
        if !piece.isEmpty { pieces.append(String(piece)) }
        pieces.append(String(c))
        piece = String.UnicodeScalarView()
      } else {
        piece.append(c)
      }
    }
    if !piece.isEmpty { pieces.append(String(piece)) }
    return pieces
  }
}
