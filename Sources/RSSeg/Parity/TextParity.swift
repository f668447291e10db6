import Foundation
import Torch

/// Checks the text encoder against a text parity fixture (`text_minilm.json` and the
/// `.safetensors` of the same stem beside it, written by HF transformers): the tokenizer must
/// give every sentence's `ids_full`, `ids20` and `mask20` exactly, and `BertModel` the stored
/// last hidden states within `tolerance`.
public enum TextParity {
  /// The default tolerance on the hidden states (max absolute difference).
  public static let tolerance: Float = 1e-4

  /// Runs the checks, reporting the worst error of each group through `log`, then
  /// `parity: ok` or `parity: FAILED <what>`.
  /// - Returns: whether every check passed.
  /// - Throws: `TextError` when the fixture or the model folder cannot be read.
  @discardableResult
  public static func check(fixture url: URL, bert folder: URL, tolerance: Float = tolerance,
                           log: (String) -> Void = { print($0) }) throws -> Bool {
    let fixture = try TextFixture(contentsOf: url)
    let bert = BertFolder(folder)
    let tokenizer = try bert.tokenizer()
    var failures: [String] = []

    // Tokenizer: exact ids.
    for (group, expected, actual) in [
      ("ids_full", fixture.rows.map(\.idsFull), fixture.rows.map { tokenizer.ids($0.text) }),
      ("ids20", fixture.rows.map(\.ids20), fixture.rows.map { tokenizer.encode($0.text, maxLength: 20).ids }),
      ("mask20", fixture.rows.map(\.mask20), fixture.rows.map { tokenizer.encode($0.text, maxLength: 20).mask }),
    ] {
      let wrong = zip(expected, actual).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
      if let first = wrong.first {
        log("tokenizer \(group): \(wrong.count) of \(fixture.rows.count) sentences differ; first: \(fixture.rows[first].text.debugDescription) expected \(expected[first]), got \(actual[first])")
        failures.append(group)
      } else {
        log("tokenizer \(group): \(fixture.rows.count) sentences exact")
      }
    }

    // Encoder: the stored hidden states.
    let statesURL = url.deletingPathExtension().appendingPathExtension("safetensors")
    let states: SafeTensorsFile
    let expected: Tensor
    do {
      states = try SafeTensors.read(statesURL.path)
      expected = try states.tensor(named: "last_hidden_state")
    } catch {
      throw TextError.badFile(path: statesURL.path, problem: "cannot read the hidden states (\(error))")
    }
    let count = expected.shape[0]
    guard count <= fixture.rows.count, expected.shape.count == 3 else {
      throw TextError.badFile(path: statesURL.path, problem: "last_hidden_state has shape \(expected.shape) for \(fixture.rows.count) sentences")
    }
    let batch = try tokenizer.batch(fixture.rows.prefix(count).map(\.text), maxLength: expected.shape[1])
    if states.names.contains("input_ids"), try states.tensor(named: "input_ids").scalars(as: Int64.self) != batch.ids.scalars(as: Int64.self) {
      log("encoder input_ids: the tokenizer's ids differ from the stored input_ids")
      failures.append("input_ids")
    }
    let model = try bert.model()
    let hidden = try Torch.withNoGrad { try model(batch.ids, attentionMask: batch.mask) }
    guard hidden.shape == expected.shape else {
      throw TextError.badFile(path: statesURL.path, problem: "last_hidden_state has shape \(expected.shape), the model gives \(hidden.shape)")
    }
    let worst = zip(try hidden.scalars(as: Float.self), try expected.to(.float32).scalars(as: Float.self))
      .reduce(Float(0)) { worst, pair in
        let difference = abs(pair.0 - pair.1)
        return difference.isNaN ? .infinity : max(worst, difference)
      }
    let ok = worst <= tolerance
    log("encoder last_hidden_state (\(count) sentences): max |Δ| \(worst) (tolerance \(tolerance))\(ok ? "" : " FAILED")")
    if !ok { failures.append("last_hidden_state") }

    log(failures.isEmpty ? "parity: ok" : "parity: FAILED \(failures.joined(separator: ", "))")
    return failures.isEmpty
  }
}
