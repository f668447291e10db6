import Foundation
import Hummingbird
import Logging
import Raster
import RSSeg
import RSSegModels

/// `rsseg serve`: a local map viewer of scenes and of the runs over them, which runs the models
/// on what the page shows. Holds the catalog, the tile cache, the work gate and the job queue;
/// `Viewer+Routes` maps requests onto them.
public final class Viewer: Sendable {
  public struct Settings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Where runs write their outputs (and where earlier `predict` outputs are looked for).
    public var outputs = "rsseg-serve"
    /// Bytes of PNG tiles kept for reuse.
    public var tileCacheBytes = 64 << 20
    /// Tiles drawn at once, and how many may wait for a turn before requests are refused (503).
    public var drawingWidth = max(2, ProcessInfo.processInfo.activeProcessorCount)
    public var drawingQueue = 256
    /// Jobs that may wait while one runs (429 past that).
    public var jobCapacity = 2
    public var maxTextLength = 200
    public var leaflet = PageFiles.debianLeaflet

    public init() {}

    /// Whether `host` keeps the server on this machine.
    public var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.") }
  }

  public let settings: Settings
  public let token: AccessToken
  let catalog: Catalog
  let cache: TileCache
  let gate: WorkGate
  let events = EventHub()
  let jobs: JobQueue
  let inference: SceneInference
  let page: PageFiles

  /// Opens the scenes and lists the outputs already in `settings.outputs` (created); builds
  /// overviews for large scenes without them in the background (`ServedScene.prepareOverviews`).
  public init(images: [String], segmentation: SegmentationSetup, referring: ReferringSetup?, settings: Settings, token: AccessToken = AccessToken()) throws {
    self.settings = settings
    self.token = token
    try FileManager.default.createDirectory(atPath: settings.outputs, withIntermediateDirectories: true)
    let catalog = try Catalog(
      images: images, outputs: settings.outputs, classes: segmentation.description.classes,
      heatmapLayers: segmentation.network.heatmapLayerCount)
    self.catalog = catalog
    cache = TileCache(budget: settings.tileCacheBytes)
    gate = WorkGate(width: settings.drawingWidth, queueLimit: settings.drawingQueue)
    page = try PageFiles(leaflet: settings.leaflet)
    let inference = SceneInference(segmentation: segmentation, referring: referring, catalog: catalog)
    self.inference = inference
    let scenes = catalog.scenes
    let overviews = URL(fileURLWithPath: settings.outputs).appendingPathComponent(".overviews").path
    Thread.detachNewThread {
      for scene in scenes {
        do { try scene.prepareOverviews(in: overviews) } catch {
          FileHandle.standardError.write(Data("warning: \(scene.path): no overviews (\(error)); zoomed-out tiles read the whole scene\n".utf8))
        }
      }
    }
    let events = events
    jobs = JobQueue(capacity: settings.jobCapacity, events: events) { job, cancelled in
      try Self.execute(job, inference: inference, catalog: catalog, events: events, cancelled: cancelled)
    }
  }

  /// The URL to open: the server's address and the token.
  public func url(port: Int? = nil) -> String {
    let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
    return "http://\(host):\(port ?? settings.port)/?token=\(token.value)"
  }

  /// The HTTP application; `onRunning` gets the port it listens on (useful with port 0).
  public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    var logger = Logger(label: "rsseg-serve")
    logger.logLevel = .warning
    return Application(
      router: router(),
      configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "rsseg"),
      onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
      logger: logger)
  }

  /// Runs `job` into new layers of the catalog, publishing its progress and each painted block;
  /// a cancelled run leaves the catalog (its unfinished files are discarded).
  private static func execute(
    _ job: JobQueue.Job, inference: SceneInference, catalog: Catalog, events: EventHub, cancelled: @escaping () -> Bool
  ) throws {
    let referring = job.kind == .refer
    let title: String
    switch job.kind {
    case .scene: title = "scene"
    case .view: title = "view \(job.area)"
    case .refer: title = "“\(job.text ?? "")”"
    }
    let layers = catalog.add(
      scene: job.scene, title: title, area: job.area, classes: referring ? ReferringWriter.classes : catalog.classes,
      hidden: referring ? [0] : [], files: nil)
    var event = JobEvent(kind: .started, job: job.id, scene: job.scene.id, prediction: layers.id, area: Area(job.area))
    events.publish(event)
    let report: (SceneRun.Event) -> Void = { runEvent in
      guard case .advanced(_, let windows, let total) = runEvent else { return }
      var progress = event
      progress.kind = .progress
      (progress.windows, progress.total) = (windows, total)
      events.publish(progress)
    }
    let painted: (PixelWindow) -> Void = { window in
      var painted = event
      painted.kind = .painted
      painted.area = Area(x: window.x + job.area.x, y: window.y + job.area.y, width: window.width, height: window.height)
      events.publish(painted)
    }
    do {
      let files = try referring
        ? inference.refer(job.text ?? "", query: job.id, scene: job.scene, area: job.area, into: layers, events: report, painted: painted, cancelled: cancelled)
        : inference.segment(scene: job.scene, area: job.area, into: layers, events: report, painted: painted, cancelled: cancelled)
      layers.complete(with: files)
    } catch is JobCancelled {
      catalog.remove(layers)
      throw JobCancelled()
    } catch {
      layers.fail()
      throw error
    }
    event.kind = .finished
    events.publish(event)
  }
}
