import RSSegModels

/// How a training task's batches are shared out among ranks: global step j of an epoch is the
/// task's batches j·W ..< j·W + W (W ranks), rank r taking batch j·W + r. Step j thus sees the
/// samples a single process with a W-times larger batch would see at its step j, no sample is
/// seen by two ranks, and an epoch holds ⌊batchesPerEpoch / W⌋ steps.
extension TrainingTask {
  /// Batches per epoch on each of `worldSize` ranks.
  func batchesPerRank(worldSize: Int) -> Int { batchesPerEpoch / worldSize }

  /// Generic sharding through `batches(epoch:skipping:)`: this rank's batches, the other ranks'
  /// ones being produced and dropped. Tasks that can load only their own samples implement
  /// this requirement themselves (`SegmentationTrainingTask` does).
  public func batches(epoch: Int, skipping: Int, rank: Int, worldSize: Int) -> () throws -> Batch? {
    guard worldSize > 1 else { return batches(epoch: epoch, skipping: skipping) }
    let next = batches(epoch: epoch, skipping: skipping * worldSize + rank)
    var remaining = batchesPerRank(worldSize: worldSize) - skipping
    return {
      guard remaining > 0, let batch = try next() else { return nil }
      remaining -= 1
      if remaining > 0 { for _ in 1..<worldSize { _ = try next() } }
      return batch
    }
  }
}

extension SegmentationTrainingTask {
  /// This rank's batches, loading only its own samples.
  public func batches(epoch: Int, skipping: Int, rank: Int, worldSize: Int) -> () throws -> Batch? {
    let size = loader.options.batchSize
    let order = loader.order(epoch: epoch)
    var mine: [Int] = []
    for step in skipping..<batchesPerRank(worldSize: worldSize) {
      let start = (step * worldSize + rank) * size
      mine += order[start..<min(start + size, order.count)]
    }
    let iterator = EpochIterator(loader: loader, epoch: epoch, order: mine)
    return { try iterator.next() }
  }
}
