import CTorch

/// The c10d backend a `ProcessGroup` communicates through (`torch.distributed` backends).
public enum DistributedBackend: Int32, Sendable, CustomStringConvertible {
  /// Gloo: CPU tensors, TCP between processes and machines.
  case gloo = 0
  /// NCCL: CUDA tensors; only in builds whose libtorch has CUDA.
  case nccl = 1

  /// Whether this build can create NCCL groups.
  public static var ncclAvailable: Bool { rs_distributed_has_nccl() != 0 }

  public var description: String { self == .gloo ? "gloo" : "nccl" }
}

/// How `allReduce` combines the ranks' tensors (`torch.distributed.ReduceOp`).
public enum ReduceOp: Int32, Sendable {
  case sum = 0
  /// The sum divided by the world size (Gloo has no AVG; the division runs after the sum).
  case mean = 1
  case max = 2
  case min = 3
}

/// One process's membership in a group of `worldSize` processes (`torch.distributed`'s
/// default process group): a c10d TCPStore rendezvous hosted by rank 0 and a c10d backend
/// (ProcessGroupGloo, or ProcessGroupNCCL for CUDA tensors) from libtorch itself.
///
/// Every rank must call the same collectives in the same order. Each collective, and the
/// rendezvous, fails with a thrown `TorchError` after `timeout` (or as soon as a peer's
/// connection breaks) instead of waiting forever. Not `Sendable`: use a group from one thread.
public final class ProcessGroup {
  let handle: OpaquePointer
  public let rank: Int
  public let worldSize: Int
  public let backend: DistributedBackend

  /// Joins the group (`init_process_group(backend, init_method="tcp://ADDR:PORT", rank,
  /// world_size, timeout)`); returns once every rank has joined.
  /// - Parameters:
  ///   - masterAddress: host or IP where rank 0 listens (every rank must reach it).
  ///   - masterPort: rank 0's TCPStore port.
  ///   - timeout: seconds any rendezvous step or collective may take.
  /// - Throws: `TorchError.invalidArgument` for a bad rank or size, `TorchError.libtorch` when
  ///   the rendezvous fails or times out (rank 0 unreachable, a rank missing).
  public init(
    backend: DistributedBackend = .gloo, masterAddress: String, masterPort: Int, rank: Int, worldSize: Int,
    timeout: Double = 1800
  ) throws {
    guard worldSize >= 1, (0..<worldSize).contains(rank) else {
      throw TorchError.invalidArgument("process group: rank \(rank) is not in 0..<\(worldSize)")
    }
    guard (1...65535).contains(masterPort) else {
      throw TorchError.invalidArgument("process group: master port \(masterPort) is not in 1...65535")
    }
    guard timeout > 0 else { throw TorchError.invalidArgument("process group: the timeout must be positive") }
    var out: OpaquePointer?
    try check(
      rs_process_group_create(
        &out, backend.rawValue, masterAddress, Int32(masterPort), Int32(rank), Int32(worldSize),
        Int64((timeout * 1000).rounded())),
      "process group (\(backend) rank \(rank)/\(worldSize) via \(masterAddress):\(masterPort))")
    handle = out!
    self.rank = rank
    self.worldSize = worldSize
    self.backend = backend
  }

  /// Joins the group that `environment` describes (`RANK`, `WORLD_SIZE`, `MASTER_ADDR`,
  /// `MASTER_PORT`, as `rsseg launch` and torchrun set them).
  public convenience init(
    _ environment: DistributedEnvironment, backend: DistributedBackend = .gloo, timeout: Double = 1800
  ) throws {
    try self.init(
      backend: backend, masterAddress: environment.masterAddress, masterPort: environment.masterPort,
      rank: environment.rank, worldSize: environment.worldSize, timeout: timeout)
  }

  deinit { rs_process_group_free(handle) }

  /// Starts an in-place all-reduce of `tensors` (one dtype and device); several tensors travel
  /// as one flattened message (a gradient bucket). Wait on the result before reading them.
  public func allReduceAsync(_ tensors: [Tensor], _ op: ReduceOp = .sum) throws -> DistributedWork {
    guard !tensors.isEmpty else { throw TorchError.invalidArgument("allReduce: no tensors") }
    var handles = tensors.map { Optional($0.handle) }
    var out: OpaquePointer?
    try check(rs_process_group_allreduce(&out, handle, &handles, Int64(handles.count), op.rawValue), "allReduce")
    return DistributedWork(handle: out!, tensors: tensors)
  }

  /// In place: every rank's `tensors` become the reduction over ranks (`all_reduce`).
  public func allReduce(_ tensors: [Tensor], _ op: ReduceOp = .sum) throws {
    try allReduceAsync(tensors, op).wait()
  }

  /// In place: every rank's `tensor` becomes rank `root`'s (`broadcast`).
  public func broadcast(_ tensor: Tensor, from root: Int = 0) throws {
    var out: OpaquePointer?
    try check(rs_process_group_broadcast(&out, handle, tensor.handle, Int32(root)), "broadcast")
    try DistributedWork(handle: out!, tensors: [tensor]).wait()
  }

  /// Every rank's `tensor` (all of one shape), in rank order (`all_gather`).
  public func allGather(_ tensor: Tensor) throws -> [Tensor] {
    try makeTensors("allGather") { rs_process_group_allgather($0, $1, handle, tensor.handle) }
  }

  /// Returns when every rank has reached the barrier (`barrier`).
  public func barrier() throws {
    try check(rs_process_group_barrier(handle), "barrier")
  }
}

/// A collective in flight (`torch.distributed.Work`). Its tensors stay alive until it is
/// dropped; `wait()` must run before they are read.
public final class DistributedWork {
  let handle: OpaquePointer
  private let tensors: [Tensor]

  init(handle: OpaquePointer, tensors: [Tensor]) {
    self.handle = handle
    self.tensors = tensors
  }

  deinit { rs_work_free(handle) }

  /// Blocks until the collective completes.
  /// - Throws: `TorchError.libtorch` when a peer failed or the group's timeout passed.
  public func wait() throws {
    try check(rs_work_wait(handle), "wait for collective")
  }
}
