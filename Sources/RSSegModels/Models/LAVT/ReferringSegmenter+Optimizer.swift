import Torch

extension ReferringSegmenter {
  /// LAVT's optimiser parameter groups (train.py of the official code), for AdamW with the
  /// paper's weight decay as default:
  /// 1. backbone parameters whose names contain `norm` or `relative_position_bias_table`,
  ///    weight decay 0;
  /// 2. the other backbone parameters;
  /// 3. the decoder;
  /// 4. BERT's first 10 encoder layers (all of BERT-base's but the last two; the embeddings are
  ///    not trained either). Smaller BERTs contribute all their layers up to 10;
  /// 5. BTDNet's D-MOLS heads, when present.
  /// Only parameters that require gradients are listed.
  public func optimizerGroups(lr: Double) throws -> [ParamGroup] {
    var noDecay: [Tensor] = []
    var decay: [Tensor] = []
    for (key, p) in try backbone.namedParameters() where p.requiresGrad {
      if key.contains("norm") || key.contains("relative_position_bias_table") { noDecay.append(p) } else { decay.append(p) }
    }
    let decoder = try classifier.parameters().filter(\.requiresGrad)
    let bert = try textEncoder.encoder.layer.prefix(10).flatMap { try $0.parameters() }.filter(\.requiresGrad)
    var groups = [
      ParamGroup(noDecay, lr: lr, weightDecay: 0), ParamGroup(decay, lr: lr), ParamGroup(decoder, lr: lr),
      ParamGroup(bert, lr: lr),
    ]
    if let dmolsHeads { groups.append(ParamGroup(try dmolsHeads.parameters(), lr: lr)) }
    return groups
  }
}
