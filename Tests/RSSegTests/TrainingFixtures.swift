import Foundation
import Raster
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// A learnable dataset in the prepared ISPRS layout (`train|test/images_1024/*.tif`,
/// `masks_1024/*.png`): 16-pixel squares of classes 0–4, each class a fixed colour plus noise.
enum TrainingFixtures {
  static let colors: [(Int, Int, Int)] = [(200, 200, 200), (40, 40, 220), (40, 220, 220), (30, 160, 30), (230, 200, 20)]

  static func vaihingen(at root: URL, train: Int = 8, test: Int = 2, size: Int = 64) throws {
    for (split, count) in [("train", train), ("test", test)] {
      let images = root.appendingPathComponent("\(split)/images_1024"), masks = root.appendingPathComponent("\(split)/masks_1024")
      for d in [images, masks] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
      for n in 0..<count {
        var random = SeededRandom(seed: 99, split == "train" ? 1 : 2, UInt64(n))
        var image = RasterBuffer<UInt8>(width: size, height: size, bands: 3, filledWith: 0)
        var mask = RasterBuffer<UInt8>(width: size, height: size, bands: 1, filledWith: 0)
        let blocks = (0..<(size / 16 * size / 16)).map { _ in random.int(in: 0...4) }
        for y in 0..<size {
          for x in 0..<size {
            let c = blocks[(y / 16) * (size / 16) + x / 16]
            mask[0, y, x] = UInt8(c)
            let base = colors[c]
            for (b, v) in [base.0, base.1, base.2].enumerated() {
              image[b, y, x] = UInt8(clamping: v + random.int(in: -20...20))
            }
          }
        }
        try GeoTIFFWriter.write(image, to: images.appendingPathComponent("p\(n).tif").path)
        try PNGWriter.write(mask, to: masks.appendingPathComponent("p\(n).png").path)
      }
    }
  }

  /// A tiny-network config for the fixture.
  static func config(data: URL) -> SegmentationTrainingConfig {
    var config = SegmentationTrainingConfig(dataset: "vaihingen", data: data.path)
    config.encoderDims = [8, 16, 24, 32]
    config.encoderDepths = [1, 1, 1, 1]
    config.embedDim = 64  // the classifier works on embed_dim/16 channels after the upsampler
    config.cropSize = 64
    config.run.batchSize = 2
    config.run.valBatch = 2
    config.run.workers = 2
    config.run.progress = false
    config.run.seed = 7
    return config
  }
}
