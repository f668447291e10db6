import ArgumentParser
import Foundation
import RSSeg
import RSSegModels

extension RSSegCommand {
  /// `rsseg tokenize`: BERT WordPiece tokens and ids of sentences.
  struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the BERT WordPiece tokens and ids of each text.",
      discussion: """
        Ids include [CLS] and [SEP]. With --max-length they follow the referring-segmentation \
        convention: cut to N (the [SEP] too when the text is long), padded with 0, with an \
        attention mask.
        """)

    @Option(help: "A BERT uncased vocab.txt, or a HF model folder (vocab.txt and tokenizer_config.json).")
    var vocab: String

    @Option(help: "Truncate and pad the ids to this length.")
    var maxLength: Int?

    @Flag(help: "Print one JSON object per text instead of text.")
    var json = false

    @Argument(help: "The texts to tokenize.")
    var texts: [String]

    func validate() throws {
      if let maxLength, maxLength < 1 { throw ValidationError("--max-length must be at least 1.") }
      if texts.isEmpty { throw ValidationError("Give at least one text.") }
    }

    func run() throws {
      let url = URL(fileURLWithPath: vocab)
      var isFolder: ObjCBool = false
      let tokenizer =
        FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) && isFolder.boolValue
        ? try BertFolder(url).tokenizer() : try WordPieceTokenizer(vocabularyAt: url)
      for text in texts {
        let ids: [Int]
        var mask: [Int]?
        if let maxLength {
          let encoding = tokenizer.encode(text, maxLength: maxLength)
          (ids, mask) = (encoding.ids, encoding.mask)
        } else {
          ids = tokenizer.ids(text)
        }
        let tokens = ids.map { tokenizer.vocabulary.token(of: $0) ?? "?" }
        if json {
          var object: [String: Any] = ["text": text, "tokens": tokens, "ids": ids]
          if let mask { object["mask"] = mask }
          let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
          print(String(decoding: data, as: UTF8.self))
        } else {
          print(text)
          print("  tokens: " + tokens.joined(separator: " "))
          print("  ids:    " + ids.map(String.init).joined(separator: " "))
          if let mask { print("  mask:   " + mask.map(String.init).joined(separator: " ")) }
        }
      }
    }
  }
}
