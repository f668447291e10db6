import RSSegModels

/// A training or evaluation sample ready to become tensors: the image normalised to float
/// (C×H×W) and the mask as int64 class indices (H×W).
public struct PreparedSample: Sendable {
  public var width: Int
  public var height: Int
  public var channels: Int
  public var image: [Float]
  public var mask: [Int64]
  /// The dataset index it came from.
  public var index: Int
}

/// Turns dataset sample `index` into a `PreparedSample`, drawing any randomness from `random`
/// (seeded per sample by the loader). Runs on loader worker threads.
public protocol SampleTransform: Sendable {
  func callAsFunction(_ index: Int, from dataset: SegmentationDataset, random: inout SeededRandom) throws -> PreparedSample
}

extension Normalization {
  /// `(pixel / 255 − mean[c]) / std[c]`, through a 256-entry table per channel.
  public func apply(_ sample: LabeledImage, index: Int) -> PreparedSample {
    let plane = sample.width * sample.height
    var out = [Float](repeating: 0, count: sample.channels * plane)
    sample.image.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for c in 0..<sample.channels {
          let m = mean[c % mean.count], s = std[c % std.count]
          let table = (0..<256).map { (Float($0) / 255 - m) / s }
          let base = c * plane
          table.withUnsafeBufferPointer { t in
            for i in 0..<plane { dst[base + i] = t[Int(src[base + i])] }
          }
        }
      }
    }
    return PreparedSample(
      width: sample.width, height: sample.height, channels: sample.channels, image: out, mask: sample.mask.map { Int64($0) },
      index: index)
  }
}

/// Evaluation: the whole image, normalised; no randomness.
public struct EvaluationTransform: SampleTransform {
  public var normalization = Normalization.imageNet
  public init() {}

  public func callAsFunction(_ index: Int, from dataset: SegmentationDataset, random: inout SeededRandom) throws -> PreparedSample {
    normalization.apply(try dataset.load(index), index: index)
  }
}
