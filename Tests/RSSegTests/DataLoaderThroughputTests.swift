import Foundation
import Raster
import XCTest
import RSSeg
import RSSegModels

/// Loader throughput on LoveDA-sized images (1024², PNG) with the training augmentation at 512
/// crops. A measurement, not a check: runs only with RSSEG_BENCH=1, in a release build:
///   RSSEG_BENCH=1 swift test -c release --filter DataLoaderThroughputTests
final class DataLoaderThroughputTests: XCTestCase {
  func testTrainLoaderThroughput() throws {
    try XCTSkipUnless(ProcessInfo.processInfo.environment["RSSEG_BENCH"] == "1", "set RSSEG_BENCH=1 to measure")
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let images = root.appendingPathComponent("Train/Urban/images_png"), masks = root.appendingPathComponent("Train/Urban/masks_png")
    for d in [images, masks, root.appendingPathComponent("Train/Rural/images_png"), root.appendingPathComponent("Train/Rural/masks_png")] {
      try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    }
    let n = 16, size = 1024
    var random = SeededRandom(seed: 1)
    for i in 0..<n {
      // Smooth fields plus noise: compresses like aerial photos, not like flat colour.
      var image = RasterBuffer<UInt8>(width: size, height: size, bands: 3, filledWith: 0)
      var mask = RasterBuffer<UInt8>(width: size, height: size, bands: 1, filledWith: 0)
      for y in 0..<size {
        for x in 0..<size {
          for c in 0..<3 { image[c, y, x] = UInt8(truncatingIfNeeded: (x * (c + 1) + y * (3 - c)) / 9 + Int(random.next() & 31)) }
          mask[0, y, x] = UInt8(1 + (x / 97 + y / 131 + i) % 7)
        }
      }
      let domain = i % 2 == 0 ? "Urban" : "Rural"
      try PNGWriter.write(image, to: root.appendingPathComponent("Train/\(domain)/images_png/\(i).png").path)
      try PNGWriter.write(mask, to: root.appendingPathComponent("Train/\(domain)/masks_png/\(i).png").path)
    }
    let (rate, count, seconds) = try measure(try LoveDA.dataset(root: root, split: .train, prepared: false))
    print(String(format: "loader throughput: %.2f images/s (%d images of 1024² PNG, 512 crops, 2 workers, %.2f s)", rate, count, seconds))
  }

  /// Real imagery: the Dubai aerial JPEGs (about 800 × 700) with their colour masks.
  func testTrainLoaderThroughputOnDubaiAerial() throws {
    try XCTSkipUnless(ProcessInfo.processInfo.environment["RSSEG_BENCH"] == "1", "set RSSEG_BENCH=1 to measure")
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/dubai_aerial")
    let (rate, count, seconds) = try measure(try DubaiAerial.dataset(root: root, split: .train))
    print(String(format: "loader throughput: %.2f images/s (%d Dubai JPEG/PNG pairs, 512 crops, 2 workers, %.2f s)", rate, count, seconds))
  }

  /// Epoch 0 warms the file cache; epochs 1–3 are timed. Batches of 8, training augmentation.
  private func measure(_ dataset: SegmentationDataset) throws -> (Double, Int, Double) {
    let loader = try DataLoader(
      dataset: dataset, transform: TrainAugmentation(cropSize: 512),
      options: LoaderOptions(batchSize: 8, workers: 2, prefetchBatches: 2, seed: 0))
    let epoch0 = loader.epoch(0)
    while try epoch0.next() != nil {}
    var count = 0
    let start = Date()
    for e in 1...3 {
      let it = loader.epoch(e)
      while let b = try it.next() { count += b.indices.count }
    }
    let seconds = Date().timeIntervalSince(start)
    return (Double(count) / seconds, count, seconds)
  }
}
