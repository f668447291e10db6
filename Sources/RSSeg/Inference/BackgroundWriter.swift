import Foundation

/// Hands a `SceneWriter`'s blocks to a thread of their own, so that encoding and writing a block
/// (argmax, colour lookups, GDAL writes) overlaps the next windows' reads and model runs. Blocks
/// are written in order; at most `depth` wait, so memory stays bounded. The first error a write
/// throws comes back from the next `write` or from `finish`, and nothing is written after it.
final class BackgroundWriter: @unchecked Sendable {
  // @unchecked: `writer` is used only on `queue`; `failure` only under `lock`.
  private let writer: any SceneWriter
  private let queue = DispatchQueue(label: "rsseg.scene-writer")
  private let slots: DispatchSemaphore
  private let lock = NSLock()
  private var failure: (any Error)? {
    get { lock.withLock { _failure } }
    set { lock.withLock { _failure = newValue } }
  }
  private var _failure: (any Error)?

  init(_ writer: any SceneWriter, depth: Int = 2) {
    self.writer = writer
    slots = DispatchSemaphore(value: depth)
  }

  func write(_ block: PredictedBlock) throws {
    slots.wait()
    if let failure {
      slots.signal()
      throw failure
    }
    let item = UncheckedSendable(block)
    queue.async {
      defer { self.slots.signal() }
      guard self.failure == nil else { return }
      do { try self.writer.write(item.value) } catch { self.failure = error }
    }
  }

  /// Waits for every block to be written; rethrows the first write's error.
  func finish() throws {
    queue.sync {}
    if let failure { throw failure }
  }
}

/// A block crossing to the writer's thread: its tensors are fresh and no longer used by the
/// thread that made them.
private struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
