import Torch

/// The weights of BTDNet's auxiliary loss terms (spec §3), all configuration values (the
/// cross-entropy's class weights are LAVT's `class_weights`). JSON keys are snake_case.
public struct BTDNetLossWeights: Codable, Equatable, Sendable {
  public var dice = 0.1
  /// T-BTD stream maps: mean_k [BCE(t_k, M) + BCE(g_k, 1 − M)].
  public var twin = 0.3
  /// BSC correlation maps: mean_i BCE(S_i, M).
  public var correlation = 0.1
  /// D-MOLS masked-word cross-entropy and masked-pixel L1.
  public var words = 0.1
  public var pixels = 0.1
  /// Weight of target-object pixels in the pixel L1 (others 1).
  public var objectPixelWeight = 2.0

  public init() {}

  enum CodingKeys: String, CodingKey {
    case dice, twin, correlation, words, pixels
    case objectPixelWeight = "object_pixel_weight"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = BTDNetLossWeights()
    dice = try c.decodeIfPresent(Double.self, forKey: .dice) ?? d.dice
    twin = try c.decodeIfPresent(Double.self, forKey: .twin) ?? d.twin
    correlation = try c.decodeIfPresent(Double.self, forKey: .correlation) ?? d.correlation
    words = try c.decodeIfPresent(Double.self, forKey: .words) ?? d.words
    pixels = try c.decodeIfPresent(Double.self, forKey: .pixels) ?? d.pixels
    objectPixelWeight = try c.decodeIfPresent(Double.self, forKey: .objectPixelWeight) ?? d.objectPixelWeight
  }

  /// Checks that every weight is a non-negative number.
  public func validate() throws {
    let all = [("dice", dice), ("twin", twin), ("correlation", correlation), ("words", words), ("pixels", pixels),
               ("object_pixel_weight", objectPixelWeight)]
    for (name, value) in all where !(value >= 0) {
      throw ModelConfigError.invalid("BTDNet loss weight \(name) must be a non-negative number, got \(value)")
    }
  }
}

/// BTDNet's training loss (spec §3):
/// CE[0.9, 1.1](final) + 0.1·Dice(final) + 0.3·mean_k[BCE(t_k, M) + BCE(g_k, 1 − M)]
/// + 0.1·mean_i BCE(S_i, M) + 0.1·L_words + 0.1·L_pixels, M resized to each map (nearest).
///
/// Terms whose component is off (nothing of it in the outputs) or whose weight is 0 are left
/// out, so with every component off and dice 0 the total is LAVT's loss.
public struct BTDNetLoss {
  public var classWeights: [Double]
  public var weights: BTDNetLossWeights

  public init(classWeights: [Double] = [0.9, 1.1], weights: BTDNetLossWeights = BTDNetLossWeights()) {
    self.classWeights = classWeights
    self.weights = weights
  }

  /// Every term unweighted ("ce", "dice", "twin", "correlation", "words", "pixels": those
  /// that apply) and the weighted "total".
  /// - Parameters:
  ///   - logits: the final 2-class logits `[B, 2, H, W]`.
  ///   - outputs: the components' training outputs.
  ///   - target: labels `[B, H, W]` (int64, 1 = target).
  public func callAsFunction(logits: Tensor, outputs: BTDNetOutputs, target: Tensor) throws -> [(name: String, value: Tensor)] {
    let weight = try Tensor(classWeights.map(Float.init)).to(logits.device, dtype: logits.dtype)
    let ce = try Functional.crossEntropy(logits, target: target, weight: weight)
    let auxiliary = try auxiliaryTerms(logits: logits, outputs: outputs, target: target)
    let total = try auxiliary.reduce(ce) { try $0 + $1.weight * $1.value }
    return [("ce", ce)] + auxiliary.map { ($0.name, $0.value) } + [("total", total)]
  }

  /// The terms besides the cross-entropy, unweighted, with their weights (what a referring
  /// training task adds to its cross-entropy).
  public func auxiliaryTerms(logits: Tensor, outputs: BTDNetOutputs, target: Tensor) throws
    -> [(name: String, value: Tensor, weight: Double)]
  {
    try checkSegmentationInputs(logits, target, "BTDNetLoss")
    var terms: [(name: String, value: Tensor, weight: Double)] = []
    func add(_ name: String, _ weight: Double, _ value: () throws -> Tensor) throws {
      if weight != 0 { terms.append((name, try value(), weight)) }
    }
    let mask = try target.unsqueeze(1).to(logits.dtype)  // M [B, 1, H, W]
    try add("dice", weights.dice) { try DiceLoss()(logits, target) }
    if !outputs.targetMaps.isEmpty {
      try add("twin", weights.twin) {
        let pairs = try zip(outputs.targetMaps, outputs.backgroundMaps).map { t, g in
          let m = try resized(mask, like: t)
          return try Functional.binaryCrossEntropyWithLogits(t, target: m)
            + Functional.binaryCrossEntropyWithLogits(g, target: 1 - m)
        }
        return try mean(pairs)
      }
    }
    if !outputs.correlationMaps.isEmpty {
      try add("correlation", weights.correlation) {
        try mean(outputs.correlationMaps.map { try Functional.binaryCrossEntropyWithLogits($0, target: resized(mask, like: $0)) })
      }
    }
    if let masking = outputs.masking {
      if let wordLogits = outputs.wordLogits {
        try add("words", weights.words) { try BTDNetLoss.maskedWordLoss(wordLogits, targets: masking.wordTargets) }
      }
      if let pixels = outputs.pixelReconstruction, let originals = outputs.originalImages {
        try add("pixels", weights.pixels) {
          try BTDNetLoss.maskedPixelLoss(
            pixels, originals: originals, pixelMask: masking.pixelMask, target: mask, objectWeight: weights.objectPixelWeight)
        }
      }
    }
    return terms
  }

  /// Cross-entropy of the word logits `[B, N, V]` at the masked positions (targets `[B, N]`,
  /// −100 elsewhere); 0 (with a gradient path) when no word is masked.
  public static func maskedWordLoss(_ logits: Tensor, targets: Tensor) throws -> Tensor {
    guard logits.rank == 3, Array(logits.shape[..<2]) == targets.shape else {
      throw TorchError.invalidArgument("masked word loss: logits \(logits.shape) do not fit targets \(targets.shape)")
    }
    if try targets.ne(-100).any().item() == .bool(false) { return try logits.sum() * 0 }
    return try Functional.crossEntropy(logits.transpose(1, 2), target: targets, ignoreIndex: -100)
  }

  /// L1 between the reconstruction and the normalised originals `[B, 3, H, W]` over the masked
  /// pixels (`pixelMask` `[B, 1, H, W]`), target-object pixels (`target` `[B, 1, H, W]`) weighted
  /// `objectWeight`: Σ w·|x̂ − x| / (3·Σ w); 0 (with a gradient path) when nothing is masked.
  /// A reconstruction of another size is resized (bilinear) to the originals first.
  public static func maskedPixelLoss(
    _ reconstruction: Tensor, originals: Tensor, pixelMask: Tensor, target: Tensor, objectWeight: Double
  ) throws -> Tensor {
    var x = reconstruction
    if x.shape != originals.shape {
      x = try Functional.interpolate(x, size: Array(originals.shape[2...]), mode: .bilinear)
    }
    let weight = try pixelMask * (1 + (objectWeight - 1) * target)
    let norm = try weight.sum() * Double(originals.shape[1])
    if try norm.double() == 0 { return try x.sum() * 0 }
    return try ((x - originals).abs() * weight).sum() / norm
  }
}

/// `mask` resized (nearest) to the spatial size of `map`.
private func resized(_ mask: Tensor, like map: Tensor) throws -> Tensor {
  let size = Array(map.shape[2...])
  return Array(mask.shape[2...]) == size ? mask : try Functional.interpolate(mask, size: size, mode: .nearest)
}

private func mean(_ values: [Tensor]) throws -> Tensor {
  guard let first = values.first else { throw TorchError.invalidArgument("BTDNetLoss: no maps to average") }
  return try values.dropFirst().reduce(first) { try $0 + $1 } / Double(values.count)
}
