import Foundation

/// BERT's tokenizer (HF transformers `BertTokenizer`): basic tokenisation, then greedy
/// longest-match-first WordPiece with `##` continuations; special tokens written in the text
/// (`[MASK]`, exactly so) stay whole.
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(vocabularyAt: folder.appending(path: "vocab.txt"))
/// let encoded = tokenizer.encode("the white car", maxLength: 20)  // ids 101 … 102 0 0 …
/// ```
public struct WordPieceTokenizer: Sendable {
  public let vocabulary: Vocabulary
  public let basic: BasicTokenizer
  /// Longer words become `[UNK]` without trying WordPiece.
  public let maxCharactersPerWord: Int
  public let clsID: Int
  public let sepID: Int
  public let unknownID: Int
  /// `[MASK]`'s id when the vocabulary has one.
  public let maskID: Int?
  /// The special tokens of the vocabulary, matched in the raw text before anything else.
  private let specialTokens: [[Unicode.Scalar]]

  /// The ids of one text in the referring-segmentation convention.
  public struct Encoding: Equatable, Sendable {
    /// `[CLS] … [SEP]`, cut to the length (the `[SEP]` too when the text is long), then zeros.
    public var ids: [Int]
    /// 1 for each real token, 0 for padding.
    public var mask: [Int]
  }

  /// - Throws: `TextError.badFile` when the vocabulary lacks `[CLS]`, `[SEP]` or `[UNK]`.
  public init(vocabulary: Vocabulary, basic: BasicTokenizer = BasicTokenizer(), maxCharactersPerWord: Int = 100,
              source: String = "vocabulary") throws {
    func required(_ token: String) throws -> Int {
      guard let id = vocabulary.id(of: token) else {
        throw TextError.badFile(path: source, problem: "the vocabulary has no \(token) token")
      }
      return id
    }
    self.vocabulary = vocabulary
    self.basic = basic
    self.maxCharactersPerWord = maxCharactersPerWord
    clsID = try required("[CLS]")
    sepID = try required("[SEP]")
    unknownID = try required("[UNK]")
    maskID = vocabulary.id(of: "[MASK]")
    specialTokens = ["[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MASK]"]
      .filter { vocabulary.id(of: $0) != nil }.map { Array($0.unicodeScalars) }
  }

  /// Reads `vocab.txt`. - Throws: `TextError.badFile` for an unreadable or incomplete vocabulary.
  public init(vocabularyAt url: URL, basic: BasicTokenizer = BasicTokenizer()) throws {
    try self.init(vocabulary: Vocabulary(contentsOf: url), basic: basic, source: url.path)
  }

  /// The WordPiece tokens of `text`, without `[CLS]`/`[SEP]`.
  public func tokenize(_ text: String) -> [String] {
    pieces(text).map { String(String.UnicodeScalarView($0)) }
  }

  /// The ids of `text` with `[CLS]` and `[SEP]`, untruncated (HF `encode`).
  public func ids(_ text: String) -> [Int] {
    [clsID] + pieces(text).map { vocabulary.id(of: $0) ?? unknownID } + [sepID]
  }

  /// `[CLS] … [SEP]` ids truncated to `maxLength` and padded with 0, with the attention mask.
  public func encode(_ text: String, maxLength: Int) -> Encoding {
    let ids = Array(self.ids(text).prefix(max(maxLength, 0)))
    let padding = max(maxLength - ids.count, 0)
    return Encoding(ids: ids + Array(repeating: 0, count: padding),
                    mask: Array(repeating: 1, count: ids.count) + Array(repeating: 0, count: padding))
  }

  /// The tokens as scalars: the text split around special tokens, each other part through
  /// basic tokenisation and WordPiece.
  private func pieces(_ text: String) -> [[Unicode.Scalar]] {
    var out: [[Unicode.Scalar]] = []
    for part in splitOnSpecialTokens(Array(text.unicodeScalars)) {
      if part.isSpecial {
        out.append(part.scalars)
      } else {
        for word in basic.tokenize(String(String.UnicodeScalarView(part.scalars))) {
          out += wordPieces(Array(word.unicodeScalars))
        }
      }
    }
    return out
  }

  /// Greedy longest-match-first: the longest vocabulary entry at the start, then the longest
  /// `##` entry after it, and so on; `[UNK]` for the whole word when a position has no match.
  func wordPieces(_ word: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
    let unknown: [[Unicode.Scalar]] = [Array("[UNK]".unicodeScalars)]
    if word.count > maxCharactersPerWord { return unknown }
    var pieces: [[Unicode.Scalar]] = []
    var start = 0
    while start < word.count {
      var end = word.count
      var match: [Unicode.Scalar]?
      while start < end {
        let candidate = (start > 0 ? Array("##".unicodeScalars) : []) + word[start..<end]
        if vocabulary.id(of: candidate) != nil {
          match = candidate
          break
        }
        end -= 1
      }
      guard let piece = match else { return unknown }
      pieces.append(piece)
      start = end
    }
    return pieces
  }

  /// The text cut around exact occurrences of the special tokens (HF's added-token trie).
  private func splitOnSpecialTokens(_ text: [Unicode.Scalar]) -> [(scalars: [Unicode.Scalar], isSpecial: Bool)] {
    var parts: [(scalars: [Unicode.Scalar], isSpecial: Bool)] = []
    var plainStart = 0
    var i = 0
    while i < text.count {
      let found = specialTokens.first { token in
        i + token.count <= text.count && text[i..<(i + token.count)].elementsEqual(token)
      }
      if let token = found {
        if plainStart < i { parts.append((Array(text[plainStart..<i]), false)) }
        parts.append((token, true))
        i += token.count
        plainStart = i
      } else {
        i += 1
      }
    }
    if plainStart < text.count { parts.append((Array(text[plainStart...]), false)) }
    return parts
  }
}
