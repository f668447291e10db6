import RSSegModels
import Torch

/// A batch whose tensors can move to the training device.
public protocol DeviceBatch {
  /// The batch with every tensor on `device`. For CUDA the host tensors are pinned first and
  /// copied without blocking (PyTorch's `pin_memory=True` + `.to(device, non_blocking=True)`),
  /// so the copy overlaps the host's work on the next batch.
  func to(_ device: Device) throws -> Self
}

extension Tensor {
  /// This host tensor on `device`: pinned and copied without blocking for CUDA.
  func transferred(to device: Device) throws -> Tensor {
    guard device != self.device else { return self }
    guard device.isCUDA else { return try to(device) }
    return try pinnedMemory().to(device, nonBlocking: true)
  }
}

extension Batch: DeviceBatch {
  public func to(_ device: Device) throws -> Batch {
    Batch(images: try images.transferred(to: device), labels: try labels.transferred(to: device), indices: indices)
  }
}

extension ReferringBatch: DeviceBatch {
  public func to(_ device: Device) throws -> ReferringBatch {
    var moved = self
    moved.images = try images.transferred(to: device)
    moved.tokenIDs = try tokenIDs.transferred(to: device)
    moved.tokenMask = try tokenMask.transferred(to: device)
    moved.targets = try targets.transferred(to: device)
    return moved
  }
}

/// The batches of a closure, each already on `device` when asked for: the next one is fetched
/// and its copy started while the current one runs (one batch ahead). On the CPU the batches
/// pass through untouched.
final class DeviceBatches<Batch: DeviceBatch> {
  private let next: () throws -> Batch?
  private let device: Device
  /// The batch fetched ahead; `.some(nil)` once the source has ended.
  private var ahead: Batch??

  init(on device: Device, _ next: @escaping () throws -> Batch?) {
    self.next = next
    self.device = device
  }

  func callAsFunction() throws -> Batch? {
    guard device != .cpu else { return try next() }
    let current = try ahead ?? fetch()
    ahead = current == nil ? .some(nil) : try fetch()
    return current
  }

  private func fetch() throws -> Batch? { try next()?.to(device) }
}
