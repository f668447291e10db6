import Foundation
import RSSegModels
import Torch

/// How a `DataLoader` batches and orders samples.
public struct LoaderOptions: Sendable {
  public var batchSize: Int
  public var shuffle = true
  public var dropLast = true
  /// Worker threads decoding and augmenting samples.
  public var workers = 2
  /// Batches prepared ahead of the consumer.
  public var prefetchBatches = 2
  public var seed: UInt64 = 0

  public init(batchSize: Int, shuffle: Bool = true, dropLast: Bool = true, workers: Int = 2, prefetchBatches: Int = 2, seed: UInt64 = 0) {
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.dropLast = dropLast
    self.workers = workers
    self.prefetchBatches = prefetchBatches
    self.seed = seed
  }
}

/// One batch: images B×C×H×W float32, labels B×H×W int64, and the dataset indices.
public struct Batch {
  public var images: Tensor
  public var labels: Tensor
  public var indices: [Int]
}

/// Loads batches with worker threads: decoding and augmentation run in parallel on plain
/// buffers, tensors are built on the consuming thread. The order (shuffled from seed and epoch)
/// and each sample's randomness (seeded from seed, epoch and index) do not depend on thread
/// timing, so an epoch is reproducible.
public final class DataLoader {
  public let dataset: SegmentationDataset
  public let transform: any SampleTransform
  public let options: LoaderOptions

  public init(dataset: SegmentationDataset, transform: any SampleTransform, options: LoaderOptions) throws {
    guard options.batchSize > 0, options.workers > 0, options.prefetchBatches > 0 else {
      throw DataError.invalidArgument("DataLoader needs batchSize, workers and prefetchBatches ≥ 1")
    }
    self.dataset = dataset
    self.transform = transform
    self.options = options
  }

  public var batchesPerEpoch: Int {
    options.dropLast ? dataset.count / options.batchSize : (dataset.count + options.batchSize - 1) / options.batchSize
  }

  /// The sample order of `epoch`.
  public func order(epoch: Int) -> [Int] {
    guard options.shuffle else { return Array(0..<dataset.count) }
    var random = SeededRandom(seed: options.seed, 0x5348_5546, UInt64(epoch))
    return random.permutation(dataset.count)
  }

  /// Starts the workers for `epoch`; iterate with `next()`.
  public func epoch(_ epoch: Int) -> EpochIterator {
    let order = Array(order(epoch: epoch).prefix(batchesPerEpoch * options.batchSize).prefix(dataset.count))
    return EpochIterator(loader: self, epoch: epoch, order: order)
  }
}

/// The batches of one epoch. Dropping it stops its workers.
public final class EpochIterator {
  private let queue: SampleQueue
  private let batchSize: Int
  private var nextBatch = 0
  private let batchCount: Int

  init(loader: DataLoader, epoch: Int, order: [Int]) {
    batchSize = loader.options.batchSize
    batchCount = (order.count + batchSize - 1) / batchSize
    queue = SampleQueue(order: order, window: loader.options.prefetchBatches * batchSize)
    let (dataset, transform, seed, queue) = (loader.dataset, loader.transform, loader.options.seed, queue)
    for _ in 0..<loader.options.workers {
      let thread = Thread {
        while let (position, index) = queue.claim() {
          var random = SeededRandom(seed: seed, UInt64(epoch), UInt64(index))
          queue.deliver(position, Result { try transform(index, from: dataset, random: &random) })
        }
      }
      thread.stackSize = 4 << 20
      thread.start()
    }
  }

  deinit { queue.stop() }

  /// The next batch, nil after the last.
  /// - Throws: the first error of a sample in this batch (`DataError` naming the file), or a
  ///   `DataError` when samples of a batch differ in size.
  public func next() throws -> Batch? {
    guard nextBatch < batchCount else { return nil }
    let start = nextBatch * batchSize
    nextBatch += 1  // a failed batch is skipped, not retried
    return try Self.collate(try queue.take(start..<min(start + batchSize, queue.count)))
  }

  static func collate(_ samples: [PreparedSample]) throws -> Batch {
    let first = samples[0]
    for s in samples where (s.width, s.height, s.channels) != (first.width, first.height, first.channels) {
      throw DataError.badSample(
        path: "sample \(s.index)",
        problem: "is \(s.width)×\(s.height)×\(s.channels) but sample \(first.index) of the same batch is \(first.width)×\(first.height)×\(first.channels); use batch size 1 or crops")
    }
    var images = [Float](), labels = [Int64]()
    images.reserveCapacity(samples.count * first.image.count)
    labels.reserveCapacity(samples.count * first.mask.count)
    for s in samples {
      images += s.image
      labels += s.mask
    }
    return Batch(
      images: try Tensor(images, shape: [samples.count, first.channels, first.height, first.width]),
      labels: try Tensor(labels, shape: [samples.count, first.height, first.width]),
      indices: samples.map(\.index))
  }
}

/// Positions of one epoch handed to workers in order, at most `window` ahead of the consumer;
/// finished samples wait here until taken.
final class SampleQueue: @unchecked Sendable {
  private let order: [Int]
  private let window: Int
  private let condition = NSCondition()
  private var claimed = 0
  private var consumed = 0
  private var stopped = false
  private var results: [Int: Result<PreparedSample, Error>] = [:]

  init(order: [Int], window: Int) {
    self.order = order
    self.window = window
  }

  var count: Int { order.count }

  /// The next (position, dataset index) to work on, nil when the epoch is done or stopped.
  func claim() -> (Int, Int)? {
    condition.lock()
    defer { condition.unlock() }
    while !stopped && claimed < order.count && claimed >= consumed + window { condition.wait() }
    guard !stopped, claimed < order.count else { return nil }
    claimed += 1
    return (claimed - 1, order[claimed - 1])
  }

  func deliver(_ position: Int, _ result: Result<PreparedSample, Error>) {
    condition.lock()
    results[position] = result
    condition.broadcast()
    condition.unlock()
  }

  /// Waits for every position of `range`, removes and returns them.
  func take(_ range: Range<Int>) throws -> [PreparedSample] {
    condition.lock()
    defer { condition.unlock() }
    while !range.allSatisfy({ results[$0] != nil }) { condition.wait() }
    let taken = range.map { results.removeValue(forKey: $0)! }
    consumed = range.upperBound
    condition.broadcast()
    return try taken.map { try $0.get() }
  }

  func stop() {
    condition.lock()
    stopped = true
    condition.broadcast()
    condition.unlock()
  }
}
