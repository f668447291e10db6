import Torch

/// D-MOLS input masking (BTDNet spec §3; our design from the paper's abstract). Training only:
/// a random half of the batch has a random 25 % of its image's 32×32 patches zeroed (in the
/// normalised input) and 15 % of its real word tokens (not [CLS], [SEP] or padding) replaced by
/// [MASK]. Randomness comes from libtorch's generator (`Torch.manualSeed`).
public struct DualModalMasking: Codable, Equatable, Sendable {
  /// Share of each batch that is masked (the fractional sample is drawn at random).
  public var sampleFraction = 0.5
  /// Side of the square image patches in pixels (edge patches are cut by the image border).
  public var patchSize = 32
  /// Share of an image's patches zeroed (rounded, at least one).
  public var patchFraction = 0.25
  /// Share of a sentence's real words replaced (rounded, at least one when there is one).
  public var wordFraction = 0.15
  /// The vocabulary's [CLS], [SEP] and [MASK] ids (BERT uncased's by default; set from the
  /// vocabulary when a model is initialised from a BERT folder).
  public var tokens = TokenIDs(cls: 101, sep: 102, mask: 103)

  public init(sampleFraction: Double = 0.5, patchSize: Int = 32, patchFraction: Double = 0.25, wordFraction: Double = 0.15) {
    self.sampleFraction = sampleFraction
    self.patchSize = patchSize
    self.patchFraction = patchFraction
    self.wordFraction = wordFraction
  }

  enum CodingKeys: String, CodingKey {
    case sampleFraction = "sample_fraction"
    case patchSize = "patch_size"
    case patchFraction = "patch_fraction"
    case wordFraction = "word_fraction"
    case cls = "cls_token_id"
    case sep = "sep_token_id"
    case mask = "mask_token_id"
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(sampleFraction, forKey: .sampleFraction)
    try c.encode(patchSize, forKey: .patchSize)
    try c.encode(patchFraction, forKey: .patchFraction)
    try c.encode(wordFraction, forKey: .wordFraction)
    try c.encode(tokens.cls, forKey: .cls)
    try c.encode(tokens.sep, forKey: .sep)
    try c.encode(tokens.mask, forKey: .mask)
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = DualModalMasking()
    sampleFraction = try c.decodeIfPresent(Double.self, forKey: .sampleFraction) ?? d.sampleFraction
    patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? d.patchSize
    patchFraction = try c.decodeIfPresent(Double.self, forKey: .patchFraction) ?? d.patchFraction
    wordFraction = try c.decodeIfPresent(Double.self, forKey: .wordFraction) ?? d.wordFraction
    tokens = TokenIDs(
      cls: try c.decodeIfPresent(Int.self, forKey: .cls) ?? d.tokens.cls,
      sep: try c.decodeIfPresent(Int.self, forKey: .sep) ?? d.tokens.sep,
      mask: try c.decodeIfPresent(Int.self, forKey: .mask) ?? d.tokens.mask)
  }

  /// Checks the rates and the patch size.
  public func validate() throws {
    for (name, value) in [("sample_fraction", sampleFraction), ("patch_fraction", patchFraction), ("word_fraction", wordFraction)]
    where !(0...1).contains(value) {
      throw ModelConfigError.invalid("D-MOLS \(name) must be in [0, 1], got \(value)")
    }
    guard patchSize >= 1 else { throw ModelConfigError.invalid("D-MOLS patch_size must be positive, got \(patchSize)") }
  }

  /// The special token ids masking needs.
  public struct TokenIDs: Sendable, Equatable {
    public var cls: Int
    public var sep: Int
    public var mask: Int

    public init(cls: Int, sep: Int, mask: Int) {
      self.cls = cls
      self.sep = sep
      self.mask = mask
    }

    /// The ids of `[CLS]`, `[SEP]` and `[MASK]` in `vocabulary`; nil when one is missing.
    public init?(vocabulary: Vocabulary) {
      guard let cls = vocabulary.id(of: "[CLS]"), let sep = vocabulary.id(of: "[SEP]"), let mask = vocabulary.id(of: "[MASK]") else {
        return nil
      }
      self.init(cls: cls, sep: sep, mask: mask)
    }
  }

  /// A masked batch and what reconstruction needs.
  public struct Masked {
    /// The images with the chosen patches zeroed `[B, 3, H, W]`.
    public let images: Tensor
    /// The token ids with the chosen words replaced by [MASK] `[B, N]` (int64).
    public let ids: Tensor
    /// 1 on zeroed pixels `[B, 1, H, W]` (images' dtype).
    public let pixelMask: Tensor
    /// The original id at each replaced word, −100 elsewhere `[B, N]` (int64).
    public let wordTargets: Tensor
    /// Which samples were masked `[B]` (bool).
    public let samples: Tensor
  }

  /// - Parameters:
  ///   - images: normalised images `[B, 3, H, W]`.
  ///   - ids: token ids `[B, N]` (int64); tokenMask `[B, N]`, 1 for real tokens.
  public func callAsFunction(images: Tensor, ids: Tensor, tokenMask: Tensor) throws -> Masked {
    guard images.rank == 4, ids.rank == 2, ids.dtype == .int64, tokenMask.shape == ids.shape,
      images.shape[0] == ids.shape[0]
    else {
      throw TorchError.invalidArgument(
        "D-MOLS: expected images [B, 3, H, W], int64 ids [B, N] and a mask like the ids, got \(images.shape), "
          + "\(ids.dtype) \(ids.shape) and \(tokenMask.shape)")
    }
    return try Torch.withNoGrad {
      let device = images.device
      let samples = try chooseSamples(images.shape[0], device: device)
      let pixelMask = try patchMask(images.shape, samples: samples).to(images.dtype)
      let eligible = try tokenMask.ne(0).logicalAnd(ids.ne(.int(Int64(tokens.cls))))
        .logicalAnd(ids.ne(.int(Int64(tokens.sep)))).logicalAnd(samples.unsqueeze(1))
      let chosen = try choose(eligible, fraction: wordFraction)
      return Masked(
        images: try images * (1 - pixelMask),
        ids: try Tensor.where(chosen, .int(Int64(tokens.mask)), ids),
        pixelMask: pixelMask,
        wordTargets: try Tensor.where(chosen, ids, .int(-100)),
        samples: samples)
    }
  }

  /// floor(B·fraction) samples, plus one more with the probability of the fractional part.
  private func chooseSamples(_ batch: Int, device: Device) throws -> Tensor {
    let exact = Double(batch) * sampleFraction
    var count = Int(exact.rounded(.down))
    if count < batch, try Tensor.rand([1], dtype: .float64, device: device).double() < exact - Double(count) { count += 1 }
    return try ranks(Tensor.rand([batch], device: device), dim: 0).lt(.int(Int64(count)))
  }

  /// 1 on the pixels of the chosen patches of the chosen samples `[B, 1, H, W]` (bool).
  private func patchMask(_ shape: [Int], samples: Tensor) throws -> Tensor {
    let (b, h, w) = (shape[0], shape[2], shape[3])
    let (ph, pw) = ((h + patchSize - 1) / patchSize, (w + patchSize - 1) / patchSize)
    let all = try Tensor.ones([b, ph * pw], dtype: .bool, device: samples.device).logicalAnd(samples.unsqueeze(1))
    let patches = try choose(all, fraction: patchFraction).reshape([b, 1, ph, pw])
    let pixels = try patches.repeatInterleave(patchSize, dim: 2).repeatInterleave(patchSize, dim: 3)
    return try pixels[.all, .all, ..<h, ..<w]
  }

  /// A random round(fraction·n) of the true entries of each row of `eligible` `[B, M]` (at least
  /// one where a row has any).
  private func choose(_ eligible: Tensor, fraction: Double) throws -> Tensor {
    let available = try eligible.sum(dim: 1, dtype: .float32)
    let count = try (available * fraction).round().clamp(min: 1).minimum(available)
    let scores = try Tensor.rand(eligible.shape, device: eligible.device).maskedFill(eligible.logicalNot(), 2)
    return try ranks(scores, dim: 1).to(.float32).lt(count.unsqueeze(1)).logicalAnd(eligible)
  }

  /// The rank of each entry along `dim` (0 = smallest).
  private func ranks(_ x: Tensor, dim: Int) throws -> Tensor {
    try x.argsort(dim: dim).argsort(dim: dim)
  }
}
