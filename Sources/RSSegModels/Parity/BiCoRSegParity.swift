import Foundation
import Torch

/// Parity with the official BiCoR-Seg code (fixture kind "bicor-seg parity fixture", see
/// shared/parity/README.md): eval logits, train outputs, every loss term and every gradient.
public struct BiCoRSegParity: ParityFixtureKind {
  public let kind = "bicor-seg parity fixture"

  public init() {}

  public func check(_ fixture: ParityFixture) throws -> ParityReport {
    let config = try fixture.config(as: BiCoRSegConfig.self)
    guard config.encoder.stochasticDepth == 0 else {
      throw ParityError.badFixture(
        path: fixture.path, "stochastic depth \(config.encoder.stochasticDepth) makes train-mode outputs random; parity needs 0")
    }
    let model = try BiCoRSeg(config)
    let params = try fixture.tensors(prefix: "param.")
    try model.loadReference(params)
    try model.to(fixture.device)
    let input = try fixture.tensor("input").to(fixture.device, dtype: .float32)
    let mask = try fixture.tensor("mask").to(fixture.device, dtype: .int64)
    let results = ParityComparisons(fixture, inputs: ["input", "mask"] + params.keys.map { "param." + $0 })

    model.eval()
    let evalLogits = try Torch.withNoGrad { try model(input) }
    try results.compare(evalLogits, "eval.logits", "eval outputs")

    model.train()
    let out = try model.forward(input)
    try results.compare(out.seg, "train.seg", "train outputs")
    try results.compare(out.aux, "train.aux", "train outputs")
    for (l, heatmap) in out.heatmaps.enumerated() { try results.compare(heatmap, "train.heatmap.\(l)", "train outputs") }
    for (l, embeddings) in out.classEmbeddings.enumerated() {
      try results.compare(embeddings, "train.class_embed.\(l)", "train outputs")
    }

    let terms = try BiCoRSegLoss(ignoreIndex: config.ignoreIndex)(out, mask)
    try results.compare(terms.segAux, "loss.seg_aux", "losses")
    try results.compare(terms.fisherFinal, "loss.fisher_final", "losses")
    try results.compare(terms.heatmapSum, "loss.heatmap_sum", "losses")
    try results.compare(terms.fisherLayersSum, "loss.fisher_layers_sum", "losses")
    try results.compare(terms.total, "loss.total", "losses")

    try terms.total.backward()
    try results.compareGradients(of: model)
    let notes = [
      "fixture: \(fixture.path)",
      "model: BiCoR-Seg dims \(config.encoder.dims) depths \(config.encoder.depths), C \(config.embedDim), "
        + "\(config.classes) classes, \(config.layers) HBIS layers, top-k \(config.topkRatio)/\(config.minPixels)",
      "loaded \(params.count) parameters strictly; input \(input.shape)",
    ]
    return ParityReport(kind: kind, notes: notes, comparisons: results.finished())
  }
}
