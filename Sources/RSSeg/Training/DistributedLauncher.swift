import Foundation
import RSSegModels

#if canImport(Glibc)
  import Glibc
#endif

/// What `rsseg launch` starts: `processesPerNode` copies of a command on this machine, ranks
/// `nodeRank·processesPerNode ..<` of a world of `nodes·processesPerNode`, with torchrun's
/// environment variables (`RANK`, `LOCAL_RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`).
public struct DistributedLaunch: Sendable {
  public var executable: URL
  public var arguments: [String]
  public var processesPerNode: Int
  public var nodes = 1
  public var nodeRank = 0
  public var masterAddress = "127.0.0.1"
  /// nil: a free port of this machine (single-node runs only).
  public var masterPort: Int?
  /// Seconds between SIGTERM and SIGKILL when the other ranks are stopped.
  public var gracePeriod = 10.0

  public init(executable: URL, arguments: [String], processesPerNode: Int) {
    self.executable = executable
    self.arguments = arguments
    self.processesPerNode = processesPerNode
  }

  public var worldSize: Int { nodes * processesPerNode }
}

/// Why a launched run failed: the first rank that ended badly.
public struct LaunchError: Error, CustomStringConvertible {
  public let rank: Int
  public let pid: Int32
  public let problem: String
  /// Ranks that were still running and were stopped because of it.
  public let stopped: [Int]

  public var description: String {
    "rank \(rank) (pid \(pid)) \(problem)"
      + (stopped.isEmpty ? "" : "; stopped the other ranks (\(stopped.map(String.init).joined(separator: ", ")))")
  }
}

/// Starts the ranks of this node and supervises them (torchrun's role): when one exits with an
/// error or is killed, the others get SIGTERM, then SIGKILL after the grace period, and the
/// launcher reports the first failure. Ctrl-C reaches every rank through the terminal's process
/// group (training ranks stop at the same step with a checkpoint); the launcher itself ignores it.
public enum DistributedLauncher {
  /// Runs until every rank has exited.
  /// - Throws: `LaunchError` for the first rank that failed, or the error starting a process.
  public static func run(_ launch: DistributedLaunch, log: (String) -> Void = { _ in }) throws {
    guard launch.processesPerNode >= 1, launch.nodes >= 1, (0..<launch.nodes).contains(launch.nodeRank) else {
      throw DataError.invalidArgument("launch: needs nproc ≥ 1, nnodes ≥ 1 and 0 ≤ node rank < nnodes")
    }
    guard launch.masterPort != nil || launch.nodes == 1 else {
      throw DataError.invalidArgument("launch: several nodes need the master's address and port (the same on every node)")
    }
    let port = try launch.masterPort ?? freePort()
    let exits = ExitQueue()
    var processes: [Process] = []
    var environment = ProcessInfo.processInfo.environment
    // As torchrun: one intra-op thread per process unless the user chose otherwise.
    if launch.processesPerNode > 1 && environment["OMP_NUM_THREADS"] == nil { environment["OMP_NUM_THREADS"] = "1" }
    for local in 0..<launch.processesPerNode {
      let rank = launch.nodeRank * launch.processesPerNode + local
      let process = Process()
      process.executableURL = launch.executable
      process.arguments = launch.arguments
      var env = environment
      env["RANK"] = String(rank)
      env["LOCAL_RANK"] = String(local)
      env["WORLD_SIZE"] = String(launch.worldSize)
      env["MASTER_ADDR"] = launch.masterAddress
      env["MASTER_PORT"] = String(port)
      process.environment = env
      process.terminationHandler = { exits.push(local, $0) }
      do { try process.run() } catch {
        stop(processes, grace: launch.gracePeriod)
        throw DataError.invalidArgument("launch: cannot start \(launch.executable.path): \(error.localizedDescription)")
      }
      processes.append(process)
    }
    log("launched ranks \(launch.nodeRank * launch.processesPerNode)..<\((launch.nodeRank + 1) * launch.processesPerNode) of \(launch.worldSize), master \(launch.masterAddress):\(port)")
    signal(SIGINT, SIG_IGN)
    defer { signal(SIGINT, SIG_DFL) }
    var running = Set(processes.indices)
    while !running.isEmpty {
      let (local, process) = exits.pop()
      running.remove(local)
      let failed = process.terminationReason == .uncaughtSignal || process.terminationStatus != 0
      guard failed else { continue }
      let problem = process.terminationReason == .uncaughtSignal
        ? "was killed by signal \(process.terminationStatus)" : "exited with status \(process.terminationStatus)"
      let others = running.sorted()
      stop(others.map { processes[$0] }, grace: launch.gracePeriod)
      throw LaunchError(
        rank: launch.nodeRank * launch.processesPerNode + local, pid: process.processIdentifier, problem: problem,
        stopped: others.map { launch.nodeRank * launch.processesPerNode + $0 })
    }
  }

  /// SIGTERM, then SIGKILL for those still running after `grace` seconds; waits for all.
  private static func stop(_ processes: [Process], grace: Double) {
    for p in processes where p.isRunning { kill(p.processIdentifier, SIGTERM) }
    let deadline = Date().addingTimeInterval(grace)
    while processes.contains(where: \.isRunning) && Date() < deadline { usleep(50_000) }
    for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
    for p in processes { p.waitUntilExit() }
  }

  /// A TCP port of this machine that was free a moment ago (bound to port 0, then closed).
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw DataError.invalidArgument("launch: cannot open a socket to find a free port") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = INADDR_ANY
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard ok else { throw DataError.invalidArgument("launch: cannot find a free port for the rendezvous; give its address and port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}

/// Exits of child processes, in the order they happen.
private final class ExitQueue: @unchecked Sendable {
  private let condition = NSCondition()
  private var exits: [(Int, Process)] = []

  func push(_ local: Int, _ process: Process) {
    condition.lock()
    exits.append((local, process))
    condition.signal()
    condition.unlock()
  }

  func pop() -> (Int, Process) {
    condition.lock()
    defer { condition.unlock() }
    while exits.isEmpty { condition.wait() }
    return exits.removeFirst()
  }
}
