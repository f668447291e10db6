import Foundation
import Torch

/// Parity of the text encoder with HF transformers (fixture kind "WordPiece parity …", a JSON
/// fixture such as `text_minilm.json` with the `.safetensors` of the same stem beside it):
/// the tokenizer must give every sentence's `ids_full`, `ids20` and `mask20` exactly, and
/// `BertModel` loaded from `bert` the stored `last_hidden_state` within 1e-4.
public struct TextParity: ParityFixtureKind {
  public let kind = "WordPiece parity"
  /// The HF BERT model folder the fixture was made with; required to check.
  public let bert: URL?
  /// The largest absolute difference allowed in the hidden states.
  public static let hiddenStateBound = 1e-4

  public init(bert: URL? = nil) { self.bert = bert }

  public func accepts(_ fixture: ParityFixture) -> Bool {
    fixture.file == nil && fixture.kind?.hasPrefix(kind) == true
  }

  public func check(_ fixture: ParityFixture) throws -> ParityReport {
    guard let bert else {
      throw ParityError.badFixture(path: fixture.path, "a text fixture needs the BERT model folder it was made with")
    }
    let url = URL(fileURLWithPath: fixture.path)
    let rows = try TextFixture(contentsOf: url).rows
    let folder = BertFolder(bert)
    let tokenizer = try folder.tokenizer()
    var comparisons = [
      Self.exact("ids_full", rows, expected: \.idsFull) { tokenizer.ids($0) },
      Self.exact("ids20", rows, expected: \.ids20) { tokenizer.encode($0, maxLength: 20).ids },
      Self.exact("mask20", rows, expected: \.mask20) { tokenizer.encode($0, maxLength: 20).mask },
    ]

    let statesPath = url.deletingPathExtension().appendingPathExtension("safetensors").path
    let states = try ParityFixture(path: statesPath)
    let expected = try states.tensor("last_hidden_state")
    guard expected.shape.count == 3, expected.shape[0] <= rows.count else {
      throw ParityError.badFixture(path: statesPath, "last_hidden_state has shape \(expected.shape) for \(rows.count) sentences")
    }
    let batch = try tokenizer.batch(rows.prefix(expected.shape[0]).map(\.text), maxLength: expected.shape[1])
    if states.tensorNames.contains("input_ids") {
      let stored = try states.tensor("input_ids").scalars(as: Int64.self)
      let differing = zip(stored, try batch.ids.scalars(as: Int64.self)).filter { $0 != $1 }.count
      comparisons.append(ParityComparison(
        group: "tokenizer", name: "input_ids", maxError: Double(differing), bound: 0,
        problem: differing == 0 ? nil : "\(differing) ids differ from the stored input_ids"))
    }
    let model = try folder.model()
    let hidden = try Torch.withNoGrad { try model(batch.ids, tokenMask: batch.mask) }
    comparisons.append(try Self.hiddenStates(hidden, expected))

    let config = model.config
    let notes = [
      "text fixture: \(rows.count) sentences, hidden states of the first \(expected.shape[0])",
      "BERT: \(bert.path) (\(config.numHiddenLayers) layers, \(config.hiddenSize)-d, \(config.numAttentionHeads) heads)",
    ]
    return ParityReport(kind: kind, notes: notes, comparisons: comparisons)
  }

  /// One tokenizer field over every sentence: the error is the number of sentences that differ.
  static func exact(
    _ name: String, _ rows: [TextFixture.Row], expected: KeyPath<TextFixture.Row, [Int]>, actual: (String) -> [Int]
  ) -> ParityComparison {
    let results = rows.map { (row: $0, got: actual($0.text)) }
    let wrong = results.filter { $0.got != $0.row[keyPath: expected] }
    let problem = wrong.first.map { first in
      "\(wrong.count) of \(rows.count) sentences differ; first \(first.row.text.debugDescription): "
        + "expected \(first.row[keyPath: expected]), got \(first.got)"
    }
    return ParityComparison(group: "tokenizer", name: name, maxError: Double(wrong.count), bound: 0, problem: problem)
  }

  static func hiddenStates(_ hidden: Tensor, _ expected: Tensor) throws -> ParityComparison {
    let name = "last_hidden_state"
    guard hidden.shape == expected.shape else {
      return .unmatched(name, group: "encoder", problem: "shape \(hidden.shape), reference \(expected.shape)")
    }
    let error = try (hidden.to(.float64) - expected.to(.float64)).abs().amax().double()
    return ParityComparison(
      group: "encoder", name: name, maxError: error.isFinite ? error : nil, bound: hiddenStateBound,
      problem: error.isFinite ? nil : "non-finite values")
  }
}
