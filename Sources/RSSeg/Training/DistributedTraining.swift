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
  /// This rank's training device (`cuda:LOCAL_RANK` with NCCL); the combined scalars live there.
  public let device: Device
  let parallel: DataParallel

  public var rank: Int { group.rank }
  public var worldSize: Int { group.worldSize }
  public var isRoot: Bool { group.rank == 0 }

  /// - Parameter device: this rank's device, where `network` is moved (NCCL needs CUDA
  ///   tensors, Gloo takes CPU ones).
  public init(group: ProcessGroup, network: Module, device: Device = .cpu, bucketMegabytes: Double = 25) throws {
    self.group = group
    self.device = device
    try network.to(device)
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
    let tensor = try Tensor(values).to(device)
    try group.allReduce([tensor], .sum)
    return try tensor.scalars()
  }

  /// Whether any rank raised `flag`: every rank stops at the same step.
  func any(_ flag: Bool) throws -> Bool {
    guard worldSize > 1 else { return flag }
    let tensor = try Tensor([Int64(flag ? 1 : 0)]).to(device)
    try group.allReduce([tensor], .max)
    return try tensor.scalars(as: Int64.self)[0] != 0
  }

  func barrier() throws {
    if worldSize > 1 { try group.barrier() }
  }
}
