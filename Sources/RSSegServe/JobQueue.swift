import Foundation
import Raster

/// The page's inference jobs, run one at a time on a thread of their own (models are not
/// shared between threads) in the order they came, with at most `capacity` waiting: a job past
/// that is refused (429) rather than queued.
final class JobQueue: @unchecked Sendable {
  // @unchecked: `waiting`, `running`, `cancelling` and `counter` are touched only under `lock`.
  struct Job: Sendable {
    enum Kind: String, Codable, Sendable {
      /// The area on screen (`predict` over a window).
      case view
      /// The whole scene (`predict` over it).
      case scene
      /// A sentence over the area on screen (`refer` over a window).
      case refer
    }

    let id: Int
    let kind: Kind
    let scene: ServedScene
    let area: PixelWindow
    let text: String?
  }

  let capacity: Int
  let events: EventHub
  private let execute: @Sendable (Job, _ cancelled: @escaping @Sendable () -> Bool) throws -> Void
  private let lock = NSLock()
  private var waiting: [Job] = []
  /// The job running, if any.
  private var running: Int?
  /// Running jobs asked to stop (`cancel`).
  private var cancelling: Set<Int> = []
  private var counter = 0

  /// - Parameter execute: runs a job, publishing its progress, and stops with `JobCancelled`
  ///   once `cancelled()` says so; `JobCancelled` is reported as `cancelled`, any other throw as
  ///   `failed`.
  init(capacity: Int, events: EventHub, execute: @escaping @Sendable (Job, _ cancelled: @escaping @Sendable () -> Bool) throws -> Void) {
    self.capacity = capacity
    self.events = events
    self.execute = execute
  }

  /// Starts a job, or queues it behind the one running; returns it with its place in line
  /// (0 = starts now).
  /// - Throws: `RequestError` 429 when `capacity` jobs already wait.
  func submit(kind: Job.Kind, scene: ServedScene, area: PixelWindow, text: String?) throws -> (job: Job, position: Int) {
    let (job, position) = try lock.withLock {
      guard running == nil || waiting.count < capacity else {
        throw RequestError(status: .tooManyRequests, reason: "one job runs and \(capacity) wait; try again when one finishes")
      }
      counter += 1
      let job = Job(id: counter, kind: kind, scene: scene, area: area, text: text)
      guard running != nil else {
        running = job.id
        return (job, 0)
      }
      waiting.append(job)
      return (job, waiting.count)
    }
    events.publish(JobEvent(kind: .queued, job: job.id, scene: scene.id, area: Area(area)))
    if position == 0 {
      let thread = Thread { [self] in drain(from: job) }
      thread.name = "rsseg-serve-jobs"
      thread.stackSize = 8 << 20
      thread.start()
    }
    return (job, position)
  }

  /// Cancels job `id`: a waiting one leaves the line at once (`cancelled` is published); the
  /// running one stops at its next finished block, leaving no outputs.
  /// - Returns: whether the job was waiting (false: it was running and is stopping).
  /// - Throws: `RequestError` 404 when no such job waits or runs.
  func cancel(_ id: Int) throws -> Bool {
    let removed: Job? = try lock.withLock {
      if let index = waiting.firstIndex(where: { $0.id == id }) { return waiting.remove(at: index) }
      guard running == id else { throw RequestError.notFound("no job \(id) is waiting or running") }
      cancelling.insert(id)
      return nil
    }
    guard let removed else { return false }
    events.publish(JobEvent(kind: .cancelled, job: id, scene: removed.scene.id))
    return true
  }

  /// Runs `first`, then the waiting jobs in order until none is left.
  private func drain(from first: Job) {
    var next: Job? = first
    while let job = next {
      do {
        try execute(job) { [self] in lock.withLock { cancelling.contains(job.id) } }
      } catch is JobCancelled {
        events.publish(JobEvent(kind: .cancelled, job: job.id, scene: job.scene.id))
      } catch {
        events.publish(JobEvent(kind: .failed, job: job.id, scene: job.scene.id, message: "\(error)"))
      }
      next = lock.withLock {
        cancelling.remove(job.id)
        guard !waiting.isEmpty else {
          running = nil
          return nil
        }
        let job = waiting.removeFirst()
        running = job.id
        return job
      }
    }
  }
}

/// Thrown by a job that stopped because it was cancelled.
struct JobCancelled: Error {}

extension Area {
  init(_ window: PixelWindow) { self.init(x: window.x, y: window.y, width: window.width, height: window.height) }
  var window: PixelWindow { PixelWindow(x: x, y: y, width: width, height: height) }
}
