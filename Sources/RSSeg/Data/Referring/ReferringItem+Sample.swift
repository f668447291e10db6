import RSSegModels

extension ReferringItem {
  /// A loaded dataset sample, its pixels normalised.
  public init(_ sample: ReferringSample, normalization: Normalization, index: Int) {
    let prepared = normalization.apply(sample.pixels, index: index)
    self.init(
      width: prepared.width, height: prepared.height, image: prepared.image, target: prepared.mask,
      sentence: sample.sentence.text, name: sample.name, index: index)
  }
}
