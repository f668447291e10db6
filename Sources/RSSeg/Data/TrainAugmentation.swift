import RSSegModels

/// The training augmentation of spec §4, in order: mosaic of four images, random scale, smart
/// crop, rot90 and flips, normalisation. Image and mask stay aligned through every step.
public struct TrainAugmentation: SampleTransform {
  public var cropSize: Int
  public var mosaicProbability = 0.25
  public var scales: [Double] = [0.75, 1.0, 1.25, 1.5]
  /// Smart crop: tries for a crop with more than one class whose largest class is below this share.
  public var maxClassShare = 0.75
  public var cropTries = 11
  public var rot90Probability = 0.5
  public var flipProbability = 0.5
  public var normalization = Normalization.imageNet

  public init(cropSize: Int, rot90Probability: Double = 0.5) {
    self.cropSize = cropSize
    self.rot90Probability = rot90Probability
  }

  public func callAsFunction(_ index: Int, from dataset: SegmentationDataset, random: inout SeededRandom) throws -> PreparedSample {
    let ignore = dataset.classes.ignoreIndex
    var sample: LabeledImage
    if random.chance(mosaicProbability) {
      let others = (0..<3).map { _ in random.int(in: 0...(dataset.count - 1)) }
      sample = mosaic([try dataset.load(index)] + (try others.map { try dataset.load($0) }), ignore: ignore, random: &random)
    } else {
      sample = try dataset.load(index)
    }
    sample = scaleAndCrop(sample, ignore: ignore, random: &random)
    sample = rotateAndFlip(sample, random: &random)
    return normalization.apply(sample, index: index)
  }

  /// Four images on a canvas the size of the first, split at a random centre in the middle half;
  /// each quarter is a random crop of one image (padded when an image is too small).
  public func mosaic(_ images: [LabeledImage], ignore: UInt8, random: inout SeededRandom) -> LabeledImage {
    let w = images[0].width, h = images[0].height
    let cx = random.int(in: (w / 4)...(w - w / 4)), cy = random.int(in: (h / 4)...(h - h / 4))
    var canvas = LabeledImage(width: w, height: h, channels: images[0].channels, maskFill: ignore)
    let quarters = [(0, 0, cx, cy), (cx, 0, w - cx, cy), (0, cy, cx, h - cy), (cx, cy, w - cx, h - cy)]
    for (image, (x, y, qw, qh)) in zip(images, quarters) where qw > 0 && qh > 0 {
      let sx = random.int(in: 0...max(0, image.width - qw)), sy = random.int(in: 0...max(0, image.height - qh))
      canvas.paste(image.cropped(x: sx, y: sy, width: qw, height: qh, pad: ignore), sourceX: 0, sourceY: 0, width: qw, height: qh, atX: x, atY: y)
    }
    return canvas
  }

  /// Random scale then smart crop, computing the rescaled image only inside the chosen crop
  /// (same result as rescaling everything first, much less work).
  public func scaleAndCrop(_ sample: LabeledImage, ignore: UInt8, random: inout SeededRandom) -> LabeledImage {
    let s = scales[random.int(in: 0...(scales.count - 1))]
    let w = max(1, Int((Double(sample.width) * s).rounded())), h = max(1, Int((Double(sample.height) * s).rounded()))
    let mask = sample.nearestMask(width: w, height: h, columns: 0..<w, rows: 0..<h)
    let (x, y) = smartCropOrigin(mask: mask, width: w, height: h, ignore: ignore, random: &random)
    return sample.resizedCrop(width: w, height: h, x: x, y: y, cropWidth: cropSize, cropHeight: cropSize, pad: ignore)
  }

  /// Smart crop of an image already at its final scale.
  public func smartCrop(_ sample: LabeledImage, ignore: UInt8, random: inout SeededRandom) -> LabeledImage {
    let (x, y) = smartCropOrigin(mask: sample.mask, width: sample.width, height: sample.height, ignore: ignore, random: &random)
    return sample.cropped(x: x, y: y, width: cropSize, height: cropSize, pad: ignore)
  }

  /// Up to `cropTries` random crop positions; the first whose crop has more than one class and
  /// a largest class (ignore excluded) below `maxClassShare`, else the last one.
  func smartCropOrigin(mask: [UInt8], width: Int, height: Int, ignore: UInt8, random: inout SeededRandom) -> (Int, Int) {
    var origin = (0, 0)
    var counts = [Int](repeating: 0, count: 256)
    for _ in 0..<cropTries {
      origin = (random.int(in: 0...max(0, width - cropSize)), random.int(in: 0...max(0, height - cropSize)))
      for i in counts.indices { counts[i] = 0 }
      let x1 = min(width, origin.0 + cropSize), y1 = min(height, origin.1 + cropSize)
      mask.withUnsafeBufferPointer { m in
        for y in origin.1..<y1 {
          for x in origin.0..<x1 { counts[Int(m[y * width + x])] += 1 }
        }
      }
      counts[Int(ignore)] = 0
      let largest = counts.max()!, total = counts.reduce(0, +), present = counts.filter { $0 > 0 }.count
      if present > 1 && Double(largest) / Double(total) < maxClassShare { break }
    }
    return origin
  }

  /// rot90 by a random 0–3 quarter turns with `rot90Probability`, then each flip with `flipProbability`.
  public func rotateAndFlip(_ sample: LabeledImage, random: inout SeededRandom) -> LabeledImage {
    var s = sample
    if random.chance(rot90Probability) { s = s.rotated90(random.int(in: 0...3)) }
    if random.chance(flipProbability) { s = s.flippedHorizontally() }
    if random.chance(flipProbability) { s = s.flippedVertically() }
    return s
  }
}
