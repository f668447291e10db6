import Foundation
import RSSegModels

/// Results computed on several threads, read back in order; the first error is rethrown.
final class ConcurrentResults<T>: @unchecked Sendable {
  private let lock = NSLock()
  private var results: [Result<T, Error>?]

  init(count: Int) { results = Array(repeating: nil, count: count) }

  func set(_ i: Int, _ body: () throws -> T) {
    let r = Result { try body() }
    lock.withLock { results[i] = r }
  }

  /// Whether any result is an error.
  var failed: Bool {
    lock.withLock { results.contains { if case .failure = $0 { return true } else { return false } } }
  }

  /// All results in order (the first error is rethrown; results never set are skipped).
  func values() throws -> [T] { try lock.withLock { try results.compactMap { try $0?.get() } } }
}
