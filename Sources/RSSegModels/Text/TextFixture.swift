import Foundation

/// The tokenizer half of a text parity fixture (`text_minilm.json`): sentences with the ids HF
/// transformers' `BertTokenizer` gives them.
public struct TextFixture: Decodable, Sendable {
  public struct Row: Decodable, Sendable {
    public var text: String
    /// WordPiece tokens without `[CLS]`/`[SEP]`.
    public var tokens: [String]
    /// `[CLS] … [SEP]`, untruncated.
    public var idsFull: [Int]
    public var ids20: [Int]
    public var mask20: [Int]

    enum CodingKeys: String, CodingKey {
      case text, tokens
      case idsFull = "ids_full"
      case ids20, mask20
    }
  }

  public var rows: [Row]

  /// - Throws: `TextError.badFile` naming the file when it cannot be read or decoded.
  public init(contentsOf url: URL) throws {
    do {
      self = try JSONDecoder().decode(TextFixture.self, from: Data(contentsOf: url))
    } catch {
      throw TextError.badFile(path: url.path, problem: "not a text parity fixture (\(error))")
    }
  }
}
