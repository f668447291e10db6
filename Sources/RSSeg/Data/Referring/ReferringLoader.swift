import Foundation
import RSSegModels
import Torch

/// Batches of referring samples: a seeded order per epoch (like `DataLoader`), each sample
/// prepared by `load` with a generator seeded from (seed, epoch, index) — which sentence of an
/// object a training sample uses is drawn from it — on several threads at once, so results never
/// depend on thread timing. Tokenisation and tensors happen on the calling thread.
public final class ReferringLoader {
  public typealias Load = @Sendable (_ index: Int, _ random: inout SeededRandom) throws -> ReferringItem

  public let count: Int
  public let options: LoaderOptions
  public let text: ReferringText
  private let load: Load

  /// - Parameters:
  ///   - count: samples in the list.
  ///   - load: prepares sample `index` (decoding, resizing, normalising); called from several threads.
  ///   - text: how sentences become token ids.
  public init(count: Int, options: LoaderOptions, text: ReferringText, load: @escaping Load) throws {
    guard options.batchSize > 0, options.workers > 0 else {
      throw DataError.invalidArgument("a referring loader needs batchSize and workers ≥ 1")
    }
    guard count > 0 else { throw DataError.invalidArgument("a referring loader needs at least one sample") }
    self.count = count
    self.options = options
    self.text = text
    self.load = load
  }

  public var batchesPerEpoch: Int {
    options.dropLast ? count / options.batchSize : (count + options.batchSize - 1) / options.batchSize
  }

  /// The sample order of `epoch`.
  public func order(epoch: Int) -> [Int] {
    guard options.shuffle else { return Array(0..<count) }
    var random = SeededRandom(seed: options.seed, 0x5245_4653, UInt64(epoch))
    return random.permutation(count)
  }

  /// The batches of `epoch` after the first `skipping`; the closure returns nil after the last.
  public func batches(epoch: Int, skipping: Int = 0) -> () throws -> ReferringBatch? {
    let order = order(epoch: epoch)
    var next = skipping
    return { [self] in
      guard next < batchesPerEpoch else { return nil }
      let indices = Array(order[(next * options.batchSize)..<min((next + 1) * options.batchSize, count)])
      next += 1
      return try ReferringBatch(try items(indices, epoch: epoch), text: text)
    }
  }

  /// Samples `indices` of `epoch`, prepared on up to `options.workers` threads.
  func items(_ indices: [Int], epoch: Int) throws -> [ReferringItem] {
    let results = ConcurrentResults<ReferringItem>(count: indices.count)
    let (seed, load, workers) = (options.seed, load, min(options.workers, indices.count))
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      for i in stride(from: worker, to: indices.count, by: workers) where !results.failed {
        results.set(i) {
          var random = SeededRandom(seed: seed, UInt64(epoch), UInt64(indices[i]))
          return try load(indices[i], &random)
        }
      }
    }
    return try results.values()
  }
}
