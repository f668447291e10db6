import Foundation
import XCTest

@testable import RSSeg
@testable import RSSegModels

/// Paths of the text-encoder test material: `../shared/parity` beside the package and the
/// MiniLM folder that `scripts/bootstrap` installs (`RSSEG_MINILM` overrides it).
enum TextTestPaths {
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let fixture = packageRoot.appendingPathComponent("../shared/parity/text_minilm.json").standardizedFileURL
  static let hiddenStates = packageRoot.appendingPathComponent("../shared/parity/text_minilm.safetensors").standardizedFileURL
  static var minilm: URL {
    if let path = ProcessInfo.processInfo.environment["RSSEG_MINILM"] { return URL(fileURLWithPath: path) }
    return packageRoot.appendingPathComponent(".deps/minilm")
  }
}

final class WordPieceTests: XCTestCase {
  /// A vocabulary small enough to reason about.
  private func tinyTokenizer(_ extra: [String] = []) throws -> WordPieceTokenizer {
    let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "runn", "##ing",
                  "run", "##n", ",", "a", "##b"] + extra
    return try WordPieceTokenizer(vocabulary: Vocabulary(tokens: tokens))
  }

  func testMatchesHFOnFixtureSentences() throws {
    let tokenizer = try WordPieceTokenizer(vocabularyAt: TextTestPaths.minilm.appendingPathComponent("vocab.txt"))
    let fixture = try TextFixture(contentsOf: TextTestPaths.fixture)
    XCTAssertGreaterThan(fixture.rows.count, 20)
    for row in fixture.rows {
      XCTAssertEqual(tokenizer.tokenize(row.text), row.tokens, row.text)
      XCTAssertEqual(tokenizer.ids(row.text), row.idsFull, row.text)
      let encoded = tokenizer.encode(row.text, maxLength: 20)
      XCTAssertEqual(encoded.ids, row.ids20, row.text)
      XCTAssertEqual(encoded.mask, row.mask20, row.text)
    }
  }

  /// Harder cases, ids from HF transformers 5.23 `BertTokenizer` on the same vocabulary.
  func testMatchesHFOnHarderCases() throws {
    let tokenizer = try WordPieceTokenizer(vocabularyAt: TextTestPaths.minilm.appendingPathComponent("vocab.txt"))
    let cases: [(String, [Int])] = [
      // Greek final sigma, dotted capital I, Latin ligatures.
      ("\u{39F}\u{394}\u{39F}\u{3A3} \u{3A3}\u{391}\u{3A3} \u{3CC}\u{3C3}\u{3BF}\u{3C2}",
       [101, 1169, 29722, 29730, 29733, 1173, 14608, 29733, 1169, 29733, 15297, 102]),
      ("\u{130}stanbul \u{1C5}emal \u{DF} \u{FB01}ne", [101, 9960, 100, 1096, 1984, 2638, 102]),
      // Line/paragraph separators split words; U+0085, U+001C, VT and FF are controls and vanish.
      ("a\u{2028}b\u{2029}c\u{85}d\u{1C}e\u{B}f\u{C}g", [101, 1037, 1038, 3729, 12879, 2290, 102]),
      ("[MASK] the [mask] un[MASK]able [CLS][SEP] [PAD][UNK]",
       [101, 103, 1996, 1031, 7308, 1033, 4895, 103, 2583, 101, 102, 0, 100, 102]),
      ("\u{FF46}\u{FF55}\u{FF4C}\u{FF4C}\u{FF57}\u{FF49}\u{FF44}\u{FF54}\u{FF48}\u{3000}\u{FF21}\u{FF22}\u{FF23}",
       [101, 100, 100, 102]),
      ("e\u{301} \u{301} \u{301}a", [101, 1041, 1037, 102]),
      ("emoji \u{1F600}\u{1F44D}\u{1F3FD} test", [101, 7861, 29147, 2072, 100, 3231, 102]),
    ]
    for (text, ids) in cases { XCTAssertEqual(tokenizer.ids(text), ids, text) }
  }

  func testGreedyLongestMatchWithContinuations() throws {
    let tokenizer = try tinyTokenizer()
    XCTAssertEqual(tokenizer.tokenize("unaffable running"), ["un", "##aff", "##able", "runn", "##ing"])
    XCTAssertEqual(tokenizer.tokenize("runnn"), ["runn", "##n"])
    // "x" matches nothing: the whole word is unknown, not only its tail.
    XCTAssertEqual(tokenizer.tokenize("unx, ab"), ["[UNK]", ",", "a", "##b"])
  }

  func testLongWordsAreUnknown() throws {
    let tokenizer = try tinyTokenizer()
    let hundred = String(repeating: "a", count: 1) + String(repeating: "b", count: 99)
    XCTAssertEqual(tokenizer.tokenize(hundred).count, 100)
    XCTAssertEqual(tokenizer.tokenize(hundred + "b"), ["[UNK]"])
  }

  func testSpecialTokensInTextStayWhole() throws {
    let tokenizer = try tinyTokenizer()
    XCTAssertEqual(tokenizer.tokenize("un[MASK]able [SEP]"), ["un", "[MASK]", "[UNK]", "[SEP]"])
    // Only the exact spelling is special; lower case is ordinary text.
    XCTAssertEqual(tokenizer.tokenize("[mask]"), ["[UNK]", "[UNK]", "[UNK]"])
    XCTAssertEqual(tokenizer.ids("un [MASK]"), [2, 5, 4, 3])
  }

  func testTruncationCutsSeparatorAndPadsWithZeros() throws {
    let tokenizer = try tinyTokenizer()
    XCTAssertEqual(tokenizer.encode("un run", maxLength: 3), .init(ids: [2, 5, 10], mask: [1, 1, 1]))
    XCTAssertEqual(tokenizer.encode("un", maxLength: 5), .init(ids: [2, 5, 3, 0, 0], mask: [1, 1, 1, 0, 0]))
    XCTAssertEqual(tokenizer.encode("", maxLength: 3), .init(ids: [2, 3, 0], mask: [1, 1, 0]))
  }

  func testBasicCleaningAccentsCJKAndPunctuation() {
    let basic = BasicTokenizer()
    // NUL, U+FFFD and controls vanish; tabs, ideographic spaces and line separators split.
    XCTAssertEqual(basic.tokenize("a\u{0}b\u{FFFD}c\u{200B}d\u{7}e\tf\u{3000}g\u{2028}h"), ["abcde", "f", "g", "h"])
    XCTAssertEqual(basic.tokenize("Résumé NAÏVE Ωmega"), ["resume", "naive", "ωmega"])
    // Precomposed and decomposed input give the same tokens.
    XCTAssertEqual(basic.tokenize("Cafe\u{301}"), basic.tokenize("Caf\u{E9}"))
    XCTAssertEqual(basic.tokenize("ab中文cd日本"), ["ab", "中", "文", "cd", "日", "本"])
    // ASCII symbols count as punctuation ($ ^ ` ~), as do Unicode P* ("—", "¿"); "€" (Sc) does not.
    XCTAssertEqual(basic.tokenize("a$b^c`d~e—f¿g€h"), ["a", "$", "b", "^", "c", "`", "d", "~", "e", "—", "f", "¿", "g€h"])
    XCTAssertEqual(BasicTokenizer(lowerCase: false).tokenize("Résumé"), ["Résumé"])
    XCTAssertEqual(BasicTokenizer(lowerCase: false, stripAccents: true).tokenize("Résumé"), ["Resume"])
  }

  func testVocabularyLinesAndErrors() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wordpiece-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }

    let crlf = folder.appendingPathComponent("crlf.txt")
    try Data("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhello\r\n".utf8).write(to: crlf)
    let tokenizer = try WordPieceTokenizer(vocabularyAt: crlf)
    XCTAssertEqual(tokenizer.vocabulary.count, 5)
    XCTAssertEqual(tokenizer.ids("Hello"), [2, 4, 3])
    XCTAssertNil(tokenizer.maskID)

    let noUnknown = folder.appendingPathComponent("no_unk.txt")
    try Data("[PAD]\n[CLS]\n[SEP]\n".utf8).write(to: noUnknown)
    XCTAssertThrowsError(try WordPieceTokenizer(vocabularyAt: noUnknown)) { error in
      XCTAssertEqual(error as? TextError, .badFile(path: noUnknown.path, problem: "the vocabulary has no [UNK] token"))
    }
    let binary = folder.appendingPathComponent("binary.txt")
    try Data([0x5B, 0xFF, 0xFE, 0x0A]).write(to: binary)
    XCTAssertThrowsError(try Vocabulary(contentsOf: binary)) { error in
      XCTAssertTrue("\(error)".contains("not UTF-8"), "\(error)")
    }
    let missing = folder.appendingPathComponent("missing.txt")
    XCTAssertThrowsError(try Vocabulary(contentsOf: missing)) { error in
      XCTAssertTrue("\(error)".hasPrefix(missing.path), "\(error)")
    }
  }
}
