import Foundation
import Torch

/// Training-loop parity with the official BiCoR-Seg pipeline (fixture kind "bicor-seg training
/// parity fixture", see shared/parity/README.md): the fixture's optimiser steps run in float64
/// with rsseg's own model, loss, AdamW and Lookahead at the fixture's per-step learning rates,
/// comparing each step's loss terms before its update, and after the last step every parameter,
/// Lookahead's slow weights and AdamW's two moments; and rsseg's cosine schedule against torch's
/// `CosineAnnealingLR` values. Everything is read from the fixture, so any fixture of this kind
/// works.
public struct BiCoRSegTrainingParity: ParityFixtureKind {
  public let kind = "bicor-seg training parity fixture"

  /// Loss terms: |a − b| ≤ 1e-9 · max(1, |ref|).
  public static let losses = ParityTolerance.values(relative: 1e-9)
  /// Parameters, slow weights and moments after the last step: ≤ 1e-7 · max(1, max|ref|).
  public static let state = ParityTolerance.values(relative: 1e-7)
  /// Learning-rate schedule values: ≤ 1e-12 · max(1, max|ref|).
  public static let schedule = ParityTolerance.values(relative: 1e-12)

  public init() {}

  /// The optimisation the fixture describes in its `config`.
  struct Recipe: Decodable {
    struct AdamW: Decodable {
      var betas: [Double]
      var eps: Double
      var weightDecay: Double

      enum CodingKeys: String, CodingKey {
        case betas, eps
        case weightDecay = "weight_decay"
      }
    }
    struct Lookahead: Decodable {
      var k: Int
      var alpha: Double
    }
    var steps: Int
    var lrPerStep: [Double]
    var adamw: AdamW
    var lookahead: Lookahead

    enum CodingKeys: String, CodingKey {
      case steps, adamw, lookahead
      case lrPerStep = "lr_per_step"
    }
  }

  public func check(_ fixture: ParityFixture) throws -> ParityReport {
    let config = try fixture.config(as: BiCoRSegConfig.self)
    let recipe = try fixture.config(as: Recipe.self)
    guard config.encoder.stochasticDepth == 0 else {
      throw ParityError.badFixture(path: fixture.path, "stochastic depth makes training steps random; parity needs 0")
    }
    guard recipe.lrPerStep.count == recipe.steps, recipe.adamw.betas.count == 2 else {
      throw ParityError.badFixture(path: fixture.path, "lr_per_step must give one rate per step and adamw two betas")
    }
    let model = try BiCoRSeg(config)
    try model.to(.float64)
    let params = try fixture.tensors(prefix: "param.")
    try model.loadReference(params)
    try model.to(fixture.device)
    let named = try model.namedParameters()
    let adamw = try AdamW(
      groups: [ParamGroup(named.map(\.tensor))], lr: recipe.lrPerStep[0], betas: (recipe.adamw.betas[0], recipe.adamw.betas[1]),
      eps: recipe.adamw.eps, weightDecay: recipe.adamw.weightDecay)
    let optimizer = try Lookahead(adamw, k: recipe.lookahead.k, alpha: recipe.lookahead.alpha)
    let loss = BiCoRSegLoss(ignoreIndex: config.ignoreIndex)
    let inputs = (0..<recipe.steps).flatMap { ["batch.\($0).input", "batch.\($0).mask"] }
    let results = ParityComparisons(fixture, inputs: inputs + params.keys.map { "param." + $0 })

    model.train()
    for step in 0..<recipe.steps {
      let input = try fixture.tensor("batch.\(step).input").to(fixture.device, dtype: .float64)
      let mask = try fixture.tensor("batch.\(step).mask").to(fixture.device, dtype: .int64)
      let terms = try loss(try model.forward(input), mask)
      let group = "step \(step + 1) losses"
      try results.compare(terms.segAux, "step.\(step).loss.seg_aux", group, Self.losses)
      try results.compare(terms.fisherFinal, "step.\(step).loss.fisher_final", group, Self.losses)
      try results.compare(terms.heatmapSum, "step.\(step).loss.heatmap_sum", group, Self.losses)
      try results.compare(terms.fisherLayersSum, "step.\(step).loss.fisher_layers_sum", group, Self.losses)
      try results.compare(terms.total, "step.\(step).loss.total", group, Self.losses)
      try optimizer.zeroGrad()
      try terms.total.backward()
      optimizer.paramGroups[0].lr = recipe.lrPerStep[step]
      try optimizer.step()
    }

    let state = try optimizer.stateDict().tensors
    for (index, (key, parameter)) in named.enumerated() {
      try results.compare(parameter, "final.param.\(key)", "parameters after the last step", Self.state)
      try results.compare(state["slow_state.\(index).slow_param"], "final.slow.\(key)", "Lookahead slow weights", Self.state)
      try results.compare(state["state.\(index).exp_avg"], "final.exp_avg.\(key)", "AdamW first moments", Self.state)
      try results.compare(state["state.\(index).exp_avg_sq"], "final.exp_avg_sq.\(key)", "AdamW second moments", Self.state)
    }
    try compareCosine(fixture, results)
    let notes = [
      "fixture: \(fixture.path)",
      "model: BiCoR-Seg dims \(config.encoder.dims) depths \(config.encoder.depths), C \(config.embedDim), "
        + "\(config.classes) classes, \(config.layers) HBIS layers; float64",
      "\(recipe.steps) steps of AdamW (betas \(recipe.adamw.betas), eps \(recipe.adamw.eps), weight decay \(recipe.adamw.weightDecay)) "
        + "in Lookahead(k \(recipe.lookahead.k), α \(recipe.lookahead.alpha)) at the fixture's learning rates",
    ]
    return ParityReport(kind: kind, notes: notes, comparisons: results.finished())
  }

  /// torch's `CosineAnnealingLR` values at epochs 0…T (`cosine.reference`, T + 1 values from the
  /// base rate to `eta_min`) against `CosineAnnealing(tMax: T, etaMin:)` stepped by an
  /// `LRScheduler` as training steps it.
  private func compareCosine(_ fixture: ParityFixture, _ results: ParityComparisons) throws {
    guard fixture.tensorNames.contains("cosine.reference") else { return }
    let reference = try fixture.tensor("cosine.reference").to(.float64).scalars(as: Double.self)
    guard reference.count >= 2 else { throw ParityError.badFixture(path: fixture.path, "cosine.reference needs at least two values") }
    let tMax = reference.count - 1
    let optimizer = try AdamW([try Tensor.zeros([1], dtype: .float64)], lr: reference[0])
    let scheduler = LRScheduler(optimizer, schedule: CosineAnnealing(tMax: tMax, etaMin: reference[tMax]))
    var values: [Double] = []
    for epoch in 0...tMax {
      values.append(optimizer.paramGroups[0].lr)
      if epoch < tMax { scheduler.step() }
    }
    try results.compare(try Tensor(values, shape: [values.count]), "cosine.reference", "cosine schedule", Self.schedule)
  }
}
