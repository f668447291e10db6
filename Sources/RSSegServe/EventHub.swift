import Foundation

/// Sends the jobs' events (JSON lines) to every page listening (`/api/events`, server-sent
/// events). A slow listener keeps only the newest events, so memory stays bounded.
final class EventHub: @unchecked Sendable {
  // @unchecked: `listeners` is touched only under `lock`.
  private let lock = NSLock()
  private var listeners: [UUID: AsyncStream<String>.Continuation] = [:]

  /// A stream of the events published from now on; it ends when the listener goes.
  func listen() -> AsyncStream<String> {
    let id = UUID()
    let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(256))
    continuation.onTermination = { [weak self] _ in self?.lock.withLock { _ = self?.listeners.removeValue(forKey: id) } }
    lock.withLock { listeners[id] = continuation }
    return stream
  }

  func publish(_ event: JobEvent) {
    guard let data = try? JSONEncoder().encode(event), let line = String(data: data, encoding: .utf8) else { return }
    for listener in lock.withLock({ Array(listeners.values) }) { listener.yield(line) }
  }
}

/// What happens to a job, as the page receives it.
struct JobEvent: Codable, Sendable, Equatable {
  enum Kind: String, Codable, Sendable {
    case queued, started, progress, painted, finished, failed, cancelled
  }

  var kind: Kind
  var job: Int
  var scene: String
  var prediction: String? = nil
  var windows: Int? = nil
  var total: Int? = nil
  var area: Area? = nil
  var message: String? = nil
}

/// A pixel window as the page sends and receives it.
struct Area: Codable, Sendable, Equatable {
  var x: Int
  var y: Int
  var width: Int
  var height: Int
}
