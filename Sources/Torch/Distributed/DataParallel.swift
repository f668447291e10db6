import CTorch

/// The communication half of PyTorch's `DistributedDataParallel`: every rank starts from rank
/// 0's parameters, computes gradients on its own share of the batch, then `averageGradients()`
/// makes every rank's gradients the mean over ranks, so identical optimiser steps keep the
/// replicas identical.
///
/// Gradients travel in buckets of about `bucketMegabytes` (DDP's `bucket_cap_mb`, default 25)
/// in reverse parameter order, as DDP assigns them; each bucket is one flattened all-reduce
/// (`allreduce_coalesced`). After `prepareForBackward()`, a bucket's all-reduce starts from an
/// autograd hook during `backward()` as soon as its gradients are final (buckets start in
/// order, the same on every rank), overlapping the rest of the backward pass, as DDP's Reducer
/// does; `averageGradients()` starts whatever has not started, then waits.
public final class DataParallel {
  public let group: ProcessGroup
  /// Parameters that need gradients, in module order.
  let parameters: [Tensor]
  /// Indices into `parameters`, one array per bucket.
  let buckets: [[Int]]
  private let reducer: OpaquePointer

  /// - Parameters:
  ///   - parameters: the model's parameters (those without `requiresGrad` are left out).
  ///   - bucketMegabytes: the gradient bytes per all-reduce message.
  public init(parameters: [Tensor], group: ProcessGroup, bucketMegabytes: Double = 25) throws {
    guard bucketMegabytes > 0 else { throw TorchError.invalidArgument("DataParallel: bucketMegabytes must be positive") }
    self.group = group
    self.parameters = parameters.filter(\.requiresGrad)
    buckets = Self.assignBuckets(self.parameters, capacity: Int(bucketMegabytes * 1_048_576))
    var bucketOf = [Int64](repeating: 0, count: self.parameters.count)
    for (b, bucket) in buckets.enumerated() { for i in bucket { bucketOf[i] = Int64(b) } }
    var handles = self.parameters.map { Optional($0.handle) }
    var out: OpaquePointer?
    try check(rs_grad_reducer_create(&out, group.handle, &handles, Int64(handles.count), &bucketOf), "DataParallel")
    reducer = out!
  }

  deinit { rs_grad_reducer_free(reducer) }

  /// Reverse order, a new bucket when the next tensor would overflow the capacity or changes
  /// dtype or device (one all-reduce message carries one dtype).
  static func assignBuckets(_ tensors: [Tensor], capacity: Int) -> [[Int]] {
    var buckets: [[Int]] = [], current: [Int] = [], bytes = 0
    for index in tensors.indices.reversed() {
      let t = tensors[index], size = t.count * t.dtype.size
      if let last = current.last,
        bytes + size > capacity || tensors[last].dtype != t.dtype || tensors[last].device != t.device
      {
        buckets.append(current)
        (current, bytes) = ([], 0)
      }
      current.append(index)
      bytes += size
    }
    if !current.isEmpty { buckets.append(current) }
    return buckets
  }

  /// Gradient bucket count (for logs).
  public var bucketCount: Int { buckets.count }

  /// In place: `tensors` (parameters and buffers) become rank 0's on every rank.
  public func broadcastFromRoot(_ tensors: [Tensor]) throws {
    try Torch.withNoGrad {
      for t in tensors { try group.broadcast(t, from: 0) }
    }
  }

  /// Arms the gradient hooks for the next `backward()` (the last one before an optimiser step,
  /// after gradient accumulation), so buckets start while backward still runs.
  public func prepareForBackward() throws {
    guard group.worldSize > 1 else { return }
    try check(rs_grad_reducer_prepare(reducer), "DataParallel.prepareForBackward")
  }

  /// Replaces every parameter's gradient by its mean over ranks. A parameter that got no
  /// gradient on this rank contributes zeros (and gets the mean of the others').
  /// - Throws: `TorchError.libtorch` when a peer failed or the group's timeout passed.
  public func averageGradients() throws {
    guard group.worldSize > 1 else { return }
    try check(rs_grad_reducer_finish(reducer), "DataParallel.averageGradients")
  }

  /// Buckets whose all-reduce started during the last prepared backward pass.
  public var overlappedBuckets: Int { Int(rs_grad_reducer_overlapped(reducer)) }
}
