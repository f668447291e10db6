import Foundation
import RSSegModels
import Torch

/// The data-parallel side of a `Trainer` run on several processes (PyTorch's
/// DistributedDataParallel recipe): parameters and buffers broadcast from rank 0 at the start,
/// gradients averaged over ranks in buckets before each optimiser step, loss sums and the
/// interrupt flag combined across ranks. Gradient buckets start during the backward pass of
/// each step's last batch. Rank 0 alone writes logs and checkpoints and runs
/// validation.
///
/// BatchNorm statistics (where a network has BatchNorm) stay per process, as in DDP without
/// SyncBatchNorm: each rank normalises with its own batch's statistics.
public final class DistributedTraining {
  public let group: ProcessGroup
  let parallel: DataParallel

  public var rank: Int { group.rank }
  public var worldSize: Int { group.worldSize }
  public var isRoot: Bool { group.rank == 0 }

  public init(group: ProcessGroup, network: Module, bucketMegabytes: Double = 25) throws {
    self.group = group
    parallel = try DataParallel(parameters: try network.parameters(), group: group, bucketMegabytes: bucketMegabytes)
  }

  /// Makes every rank's network rank 0's.
  func synchroniseNetwork(_ network: Module) throws {
    try parallel.broadcastFromRoot(try network.parameters() + network.namedBuffers().map(\.tensor))
  }

  func prepareForBackward() throws { try parallel.prepareForBackward() }

  func averageGradients() throws { try parallel.averageGradients() }

  /// Element-wise sums over ranks.
  func sum(_ values: [Double]) throws -> [Double] {
    guard worldSize > 1, !values.isEmpty else { return values }
    let tensor = try Tensor(values)
    try group.allReduce([tensor], .sum)
    return try tensor.scalars()
  }

  /// Whether any rank raised `flag`: every rank stops at the same step.
  func any(_ flag: Bool) throws -> Bool {
    guard worldSize > 1 else { return flag }
    let tensor = try Tensor([Int64(flag ? 1 : 0)])
    try group.allReduce([tensor], .max)
    return try tensor.scalars(as: Int64.self)[0] != 0
  }

  func barrier() throws {
    if worldSize > 1 { try group.barrier() }
  }
}
