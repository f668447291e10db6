/// The communication half of PyTorch's `DistributedDataParallel`: every rank starts from rank
/// 0's parameters, computes gradients on its own share of the batch, then `averageGradients()`
/// makes every rank's gradients the mean over ranks, so identical optimiser steps keep the
/// replicas identical.
///
/// Gradients travel in buckets of about `bucketMegabytes` (DDP's `bucket_cap_mb`, default 25)
/// in reverse parameter order, as DDP assigns them; each bucket is one flattened all-reduce
/// (`allreduce_coalesced`), all buckets are in flight at once and waited for together. The
/// all-reduce starts after `backward()` returns: it does not overlap the backward pass (DDP's
/// autograd hooks would need AccumulateGrad post-hooks through the shim).
public final class DataParallel {
  public let group: ProcessGroup
  /// Parameters that need gradients, in module order.
  let parameters: [Tensor]
  /// Indices into `parameters`, one array per bucket.
  let buckets: [[Int]]

  /// - Parameters:
  ///   - parameters: the model's parameters (those without `requiresGrad` are left out).
  ///   - bucketMegabytes: the gradient bytes per all-reduce message.
  public init(parameters: [Tensor], group: ProcessGroup, bucketMegabytes: Double = 25) throws {
    guard bucketMegabytes > 0 else { throw TorchError.invalidArgument("DataParallel: bucketMegabytes must be positive") }
    self.group = group
    self.parameters = parameters.filter(\.requiresGrad)
    buckets = Self.assignBuckets(self.parameters, capacity: Int(bucketMegabytes * 1_048_576))
  }

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

  /// Replaces every parameter's gradient by its mean over ranks. A parameter that got no
  /// gradient on this rank contributes zeros (and gets the mean of the others').
  public func averageGradients() throws {
    guard group.worldSize > 1 else { return }
    var grads: [Tensor] = []
    for p in parameters {
      if let g = p.grad {
        grads.append(g)
      } else {
        let zero = try Tensor.zerosLike(p)
        try p.setGrad(zero)
        grads.append(zero)
      }
    }
    let works = try buckets.map { bucket in try group.allReduceAsync(bucket.map { grads[$0] }, .mean) }
    for work in works { try work.wait() }
  }
}
