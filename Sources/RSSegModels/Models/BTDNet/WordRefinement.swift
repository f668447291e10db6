import Foundation
import Torch

/// BSC step 2, vision→language: every word attends over the stage's pixels and takes a
/// tanh-gated update, so the words are refined stage by stage (BTDNet spec §3; our design from
/// the paper's abstract).
///
/// queries = Linear(W), keys/values = Linear(X), softmax over pixels with scale K^−½, projected
/// back to the word width; W' = W + gate(u)·u with gate = Linear–ReLU–Linear–Tanh (no biases, as
/// LAVT's `res_gate`). Padding words keep their features. Keys: `query`, `key`, `value`, `out`,
/// `gate.0`, `gate.2`.
public final class WordRefinement: Module {
  @ModuleInfo public var query: Linear
  @ModuleInfo public var key: Linear
  @ModuleInfo public var value: Linear
  @ModuleInfo public var out: Linear
  @ModuleInfo public var gate: Sequential
  public let keyChannels: Int

  /// - Parameters:
  ///   - visualChannels: the stage width C_i.
  ///   - wordChannels: the language width D.
  ///   - keyChannels: the attention width K (the stage width when nil).
  public init(visualChannels: Int, wordChannels: Int, keyChannels: Int? = nil) throws {
    let k = keyChannels ?? visualChannels
    self.keyChannels = k
    super.init()
    query = try Linear(wordChannels, k)
    key = try Linear(visualChannels, k)
    value = try Linear(visualChannels, k)
    out = try Linear(k, wordChannels)
    gate = Sequential(
      try Linear(wordChannels, wordChannels, bias: false), ReLU(),
      try Linear(wordChannels, wordChannels, bias: false), Tanh())
  }

  /// - Parameters:
  ///   - pixels: visual tokens X `[B, HW, C]`.
  ///   - words: word features W_i `[B, D, N]` (LAVT's layout).
  ///   - tokenMask: `[B, N, 1]`, 1 for real words.
  /// - Returns: W_{i+1} `[B, D, N]`.
  public func callAsFunction(pixels: Tensor, words: Tensor, tokenMask: Tensor) throws -> Tensor {
    try checkFusionInputs(pixels, words, tokenMask, "WordRefinement")
    let w = try words.transpose(1, 2)  // [B, N, D]
    let scores = try query(w).matmul(key(pixels).transpose(1, 2)) * (1 / Double(keyChannels).squareRoot())
    let attended = try scores.softmax(dim: -1).matmul(value(pixels))  // [B, N, K]
    let update = try out(attended)
    let gated = try gate(update) * update * tokenMask.to(update.dtype)
    return try (w + gated).transpose(1, 2)
  }
}

/// Checks the shapes shared by the per-stage fusion modules.
func checkFusionInputs(_ pixels: Tensor, _ words: Tensor, _ tokenMask: Tensor, _ name: String) throws {
  guard pixels.rank == 3, words.rank == 3, tokenMask.rank == 3, pixels.shape[0] == words.shape[0],
    tokenMask.shape == [words.shape[0], words.shape[2], 1]
  else {
    throw TorchError.invalidArgument(
      "\(name): expected pixels [B, HW, C], words [B, D, N] and word mask [B, N, 1], got \(pixels.shape), "
        + "\(words.shape) and \(tokenMask.shape)")
  }
}
