import Foundation
import RSSeg
import RSSegModels

/// The WordPiece tokenizer: arbitrary text through a fixed vocabulary, and arbitrary bytes as a
/// vocabulary file.
enum TextEntryPoints {
  /// A small uncased vocabulary with continuations, punctuation and a CJK character.
  static let tokenizer: WordPieceTokenizer = {
    let tokens = [
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "white", "car", "next", "to", "road", "left", "of", "a", "an",
      "build", "##ing", "##s", "##ed", "house", "tree", "water", "field", ",", ".", "-", "'", "(", ")", "中", "##中",
      "café", "e", "##e", "##a", "##b", "##c", "1", "##1", "##2", "##0",
    ]
    return try! WordPieceTokenizer(vocabulary: Vocabulary(tokens: tokens))
  }()

  static func wordpiece(_ bytes: UnsafeRawBufferPointer) throws {
    let text = String(decoding: bytes, as: UTF8.self)
    let encoded = tokenizer.encode(text, maxLength: 20)
    guard encoded.ids.count == 20, encoded.mask.count == 20,
      encoded.ids.allSatisfy({ tokenizer.vocabulary.token(of: $0) != nil })
    else { throw FuzzInvariantError(message: "encode returned \(encoded) for \(text.debugDescription)") }
    _ = tokenizer.ids(text)
    // The same bytes as a vocab.txt, used on a fixed sentence.
    let path = try ScratchFile.write(bytes, for: .wordpiece)
    let fromFile = try WordPieceTokenizer(vocabularyAt: URL(fileURLWithPath: path))
    _ = fromFile.encode("the white car, left of the building", maxLength: 20)
  }
}

/// A reader returned something impossible (not an error a user could act on): a finding.
struct FuzzInvariantError: Error, CustomStringConvertible {
  let message: String
  var description: String { "invariant broken: \(message)" }
}
