import Foundation
import Raster
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class DataLoaderTests: XCTestCase {
  private func dataset() throws -> (SegmentationDataset, URL) {
    let root = try DataFixtures.folder(self)
    _ = try DataFixtures.loveDA(at: root, perFolder: 5)
    return (try LoveDA.dataset(root: root, split: .train, prepared: false), root)
  }

  func testBatchesShapesValuesAndOrder() throws {
    let (ds, _) = try dataset()
    XCTAssertEqual(ds.count, 10)
    let loader = try DataLoader(dataset: ds, transform: EvaluationTransform(), options: LoaderOptions(batchSize: 3, seed: 5))
    XCTAssertEqual(loader.batchesPerEpoch, 3)
    let epoch = loader.epoch(0)
    var indices: [Int] = []
    while let batch = try epoch.next() {
      XCTAssertEqual(batch.images.shape, [3, 3, 30, 40])
      XCTAssertEqual(batch.images.dtype, .float32)
      XCTAssertEqual(batch.labels.shape, [3, 30, 40])
      XCTAssertEqual(batch.labels.dtype, .int64)
      let images = try batch.images.scalars(as: Float.self), labels = try batch.labels.scalars(as: Int64.self)
      for (b, index) in batch.indices.enumerated() {
        let sample = try ds.load(index)
        XCTAssertEqual(labels[(b * 1200)..<((b + 1) * 1200)].map { UInt8($0) }, sample.mask)
        let green = images[b * 3600 + 1200 + 17 * 40 + 9]
        XCTAssertEqual(green, (Float(sample.image[1200 + 17 * 40 + 9]) / 255 - 0.456) / 0.224, accuracy: 1e-5)
      }
      indices += batch.indices
    }
    XCTAssertEqual(indices.count, 9)
    XCTAssertEqual(Set(indices).count, 9)
    XCTAssertEqual(indices, loader.order(epoch: 0).prefix(9).map { $0 })
    XCTAssertNotEqual(loader.order(epoch: 0), loader.order(epoch: 1))
    XCTAssertNotEqual(loader.order(epoch: 0), Array(0..<10))

    let keepLast = try DataLoader(
      dataset: ds, transform: EvaluationTransform(), options: LoaderOptions(batchSize: 4, shuffle: false, dropLast: false))
    let e = keepLast.epoch(0)
    var sizes: [Int] = []
    while let b = try e.next() { sizes.append(b.indices.count) }
    XCTAssertEqual(sizes, [4, 4, 2])
  }

  /// The same seed gives the same batches whatever the number of workers.
  func testDeterministicAcrossWorkerCounts() throws {
    let (ds, _) = try dataset()
    func epoch(workers: Int, seed: UInt64) throws -> [[UInt8]] {
      let loader = try DataLoader(
        dataset: ds, transform: TrainAugmentation(cropSize: 16),
        options: LoaderOptions(batchSize: 2, workers: workers, prefetchBatches: 1, seed: seed))
      let it = loader.epoch(3)
      var out: [[UInt8]] = []
      while let b = try it.next() { out.append(try b.images.bytes() + b.labels.bytes()) }
      return out
    }
    let one = try epoch(workers: 1, seed: 9)
    XCTAssertEqual(one.count, 5)
    XCTAssertEqual(try epoch(workers: 3, seed: 9), one)
    XCTAssertNotEqual(try epoch(workers: 2, seed: 10), one)
  }

  func testBadSampleErrorNamesTheFile() throws {
    let (ds, root) = try dataset()
    let victim = ds.samples[4].imagePath
    try Data("garbage".utf8).write(to: URL(fileURLWithPath: victim))
    let loader = try DataLoader(
      dataset: ds, transform: EvaluationTransform(), options: LoaderOptions(batchSize: 5, shuffle: false))
    let it = loader.epoch(0)
    XCTAssertThrowsError(try it.next()) { XCTAssertEqual(($0 as? DataError)?.path, victim, "\($0)") }
    XCTAssertNotNil(try it.next())
    _ = root
  }

  func testMixedSizesInABatchAreAnError() throws {
    let (ds, root) = try dataset()
    var sized = ds
    let other = root.appendingPathComponent("big.png"), otherMask = root.appendingPathComponent("big_mask.png")
    try PNGWriter.write(RasterBuffer<UInt8>(width: 8, height: 8, bands: 3, filledWith: 1), to: other.path)
    try PNGWriter.write(RasterBuffer<UInt8>(width: 8, height: 8, bands: 1, filledWith: 1), to: otherMask.path)
    sized.samples[1] = SegmentationSample(name: "big", imagePath: other.path, maskPath: otherMask.path)
    let loader = try DataLoader(dataset: sized, transform: EvaluationTransform(), options: LoaderOptions(batchSize: 2, shuffle: false))
    XCTAssertThrowsError(try loader.epoch(0).next()) { XCTAssertTrue("\($0)".contains("same batch"), "\($0)") }
  }
}
