import Foundation
import Torch

/// Parity with the official LAVT code (fixture kind "lavt parity fixture", see
/// shared/parity/README.md): eval logits, train-mode stage outputs and logits, the weighted
/// cross-entropy and every gradient, on given word features.
public struct LAVTParity: ParityFixtureKind {
  public let kind = "lavt parity fixture"

  public init() {}

  /// The model part of a fixture's config.
  struct FixtureConfig: Decodable {
    let embedDim: Int
    let depths: [Int]
    let numHeads: [Int]
    let windowSize: Int
    let langDim: Int
    let fusionHeads: [Int]?
    let dropPath: Double?
    let classWeights: [Double]?

    enum CodingKeys: String, CodingKey {
      case depths
      case embedDim = "embed_dim"
      case numHeads = "num_heads"
      case windowSize = "window_size"
      case langDim = "lang_dim"
      case fusionHeads = "fusion_heads"
      case dropPath = "drop_path"
      case classWeights = "class_weights"
    }

    var lavt: LAVTConfig {
      LAVTConfig(
        swin: SwinConfig(embedDim: embedDim, depths: depths, numHeads: numHeads, windowSize: windowSize, dropPathRate: dropPath ?? 0),
        langDim: langDim, fusionHeads: fusionHeads, classWeights: classWeights ?? [0.9, 1.1])
    }
  }

  public func check(_ fixture: ParityFixture) throws -> ParityReport {
    let config = try fixture.config(as: FixtureConfig.self).lavt
    guard config.swin.dropPathRate == 0 else {
      throw ParityError.badFixture(
        path: fixture.path, "stochastic depth \(config.swin.dropPathRate) makes train-mode outputs random; parity needs 0")
    }
    let model = try LAVT(config)
    let params = try fixture.tensors(prefix: "param.")
    try model.loadStateDict(params, strict: true)
    try model.to(fixture.device)
    let input = try fixture.tensor("input").to(fixture.device, dtype: .float32)
    let words = try fixture.tensor("words").to(fixture.device, dtype: .float32)
    let tokenMask = try fixture.tensor("word_mask").to(fixture.device, dtype: .float32)
    let target = try fixture.tensor("target").to(fixture.device, dtype: .int64)
    let results = ParityComparisons(fixture, inputs: ["input", "words", "word_mask", "target"] + params.keys.map { "param." + $0 })

    model.eval()
    let evalLogits = try Torch.withNoGrad { try model(input, words: words, tokenMask: tokenMask) }
    try results.compare(evalLogits, "eval.logits", "eval outputs")

    model.train()
    let out = try model.forward(input, words: words, tokenMask: tokenMask)
    for (i, stage) in out.stages.enumerated() { try results.compare(stage, "train.stage.\(i)", "train outputs") }
    try results.compare(out.logits, "train.logits", "train outputs")

    let loss = try LAVTLoss(classWeights: config.classWeights)(out.logits, target)
    try results.compare(loss, "loss.total", "losses")

    try loss.backward()
    try results.compareGradients(of: model)
    let swin = config.swin
    let notes = [
      "fixture: \(fixture.path)",
      "model: LAVT Swin embed \(swin.embedDim) depths \(swin.depths) heads \(swin.numHeads) window \(swin.windowSize), "
        + "language width \(config.langDim), fusion heads \(config.fusionHeads)",
      "loaded \(params.count) parameters strictly; input \(input.shape), words \(words.shape)",
    ]
    return ParityReport(kind: kind, notes: notes, comparisons: results.finished())
  }
}
