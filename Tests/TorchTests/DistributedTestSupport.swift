import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// A TCP port that was free a moment ago: bind port 0 on the loopback, read the port, close.
func freeLoopbackPort() throws -> Int {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard fd >= 0 else { throw POSIXError(.EBADF) }
  defer { close(fd) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  address.sin_port = 0
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let bound = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
  }
  guard bound else { throw POSIXError(.EADDRINUSE) }
  return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs `body(rank)` for every rank on its own thread (each rank its own process group over
/// loopback TCP, exactly as separate processes would talk) and returns each rank's result or
/// error text, in rank order.
func runRanks<R: Sendable>(_ worldSize: Int, _ body: @escaping @Sendable (Int) throws -> R) -> [Result<R, RankFailure>] {
  let results = RankResults<R>(count: worldSize)
  let group = DispatchGroup()
  for rank in 0..<worldSize {
    group.enter()
    let thread = Thread {
      results.set(rank, Result { try body(rank) }.mapError { RankFailure(message: "\($0)") })
      group.leave()
    }
    thread.stackSize = 8 << 20
    thread.start()
  }
  group.wait()
  return results.all
}

struct RankFailure: Error, Sendable { let message: String }

private final class RankResults<R: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [Result<R, RankFailure>?]
  init(count: Int) { values = Array(repeating: nil, count: count) }
  func set(_ rank: Int, _ value: Result<R, RankFailure>) {
    lock.lock()
    values[rank] = value
    lock.unlock()
  }
  var all: [Result<R, RankFailure>] {
    lock.lock()
    defer { lock.unlock() }
    return values.map { $0! }
  }
}
