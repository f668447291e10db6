import Foundation

/// Runs blocking work (GDAL reads, PNG encoding) off the server's event loops, at most `width`
/// jobs at a time with at most `queueLimit` waiting: past that a request is refused (503) rather
/// than queued, so memory stays bounded however many tile requests arrive at once.
actor WorkGate {
  let width: Int
  let queueLimit: Int
  private var running = 0
  private var waiting: [CheckedContinuation<Void, Never>] = []

  init(width: Int, queueLimit: Int) {
    self.width = width
    self.queueLimit = queueLimit
  }

  func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await enter()
    defer { leave() }
    return try await withCheckedThrowingContinuation { continuation in
      DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
  }

  private func enter() async throws {
    if running < width {
      running += 1
      return
    }
    guard waiting.count < queueLimit else {
      throw RequestError(status: .serviceUnavailable, reason: "too many tiles are being drawn; try again")
    }
    // The slot is handed over by `leave`, so `running` stays counted.
    await withCheckedContinuation { waiting.append($0) }
  }

  private func leave() {
    if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
  }
}
