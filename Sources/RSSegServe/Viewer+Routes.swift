import Foundation
import HTTPTypes
import Hummingbird
import Raster
import ServiceLifecycle

extension Viewer {
  /// Every route, behind the token. Scenes, runs and layers are named by id; numbers are checked
  /// before use and a bad one gets a 4xx with its reason.
  func router() -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: SecurityHeaders())
    router.add(middleware: TokenMiddleware(token: token))
    router.get("/") { _, _ in try self.pageFile("index.html") }
    router.get("/page/:name") { _, context in try self.pageFile(context.parameters.require("name")) }
    router.get("/leaflet/:name") { _, context in try self.pageFile("leaflet/" + context.parameters.require("name")) }
    router.get("/leaflet/images/:name") { _, context in try self.pageFile("leaflet/images/" + context.parameters.require("name")) }
    router.get("/api/state") { _, _ in self.state() }
    router.get("/api/scenes/:scene/tiles/:z/:x/:y") { request, context in
      let scene = try self.catalog.scene(context.parameters.require("scene"))
      let tile = try self.tile(context, width: scene.dataset.width, height: scene.dataset.height)
      let bands = try Self.bands(request.uri.queryParameters["bands"], scene: scene)
      let stretch = try Self.stretch(request.uri.queryParameters["stretch"])
      let key = "scene/\(scene.id)/\(bands)/\(stretch)/\(tile)"
      return try await self.png(key: key) { try TileRenderer.scene(scene, tile: tile, bands: bands, stretch: stretch) }
    }
    router.get("/api/predictions/:prediction/tiles/:layer/:z/:x/:y") { _, context in
      let layers = try self.catalog.prediction(context.parameters.require("prediction"))
      let scene = try self.catalog.scene(layers.sceneID)
      let tile = try self.tile(context, width: scene.dataset.width, height: scene.dataset.height)
      let layer = try context.parameters.require("layer")
      if let live = layers.live {
        guard layer == "classes" else { throw RequestError.notFound("prediction \(layers.id) is still running: only its classes are there") }
        return try await self.png(key: nil) { try TileRenderer.bytes(live, area: layers.area, tile: tile, colours: layers.colours) }
      }
      let (raster, colours) = try self.raster(layer, of: layers)
      return try await self.png(key: "prediction/\(layers.id)/\(layer)/\(tile)") {
        try TileRenderer.bytes(raster, area: layers.area, tile: tile, colours: colours)
      }
    }
    router.get("/api/predictions/:prediction/polygons") { _, context in
      let layers = try self.catalog.prediction(context.parameters.require("prediction"))
      guard let path = layers.files?.polygons else { throw RequestError.notFound("prediction \(layers.id) has no polygons") }
      let json = try await self.gate.run { try PolygonFeatures.geoJSON(path: path, limit: 200_000) }
      return Self.response(Array(json.utf8), type: "application/geo+json")
    }
    router.get("/api/scenes/:scene/pixel") { request, context in
      let scene = try self.catalog.scene(context.parameters.require("scene"))
      let (x, y) = try Self.pixel(request, scene: scene)
      return try await self.gate.run { try PixelInfo(scene: scene, x: x, y: y, predictions: self.catalog.predictions(of: scene)) }
    }
    router.post("/api/jobs") { request, context in
      let body = try await request.body.collect(upTo: 16 << 10)
      let order = try self.jobOrder(Data(body.readableBytesView))
      let (job, position) = try self.jobs.submit(kind: order.kind, scene: order.scene, area: order.area, text: order.text)
      return EditedResponse(status: .accepted, response: JobReceipt(job: job.id, position: position))
    }
    router.delete("/api/jobs/:job") { _, context in
      guard let id = Int(try context.parameters.require("job")) else { throw RequestError.badRequest("a job is named by its number") }
      let waited = try self.jobs.cancel(id)
      return EditedResponse(status: .accepted, response: JobCancellation(job: id, state: waited ? "cancelled" : "stopping"))
    }
    router.get("/api/events") { _, _ in
      let stream = self.events.listen()
      var headers = HTTPFields()
      headers[.contentType] = "text/event-stream"
      headers[.cacheControl] = "no-store"
      return Response(status: .ok, headers: headers, body: ResponseBody { writer in
        try await writer.write(ByteBuffer(string: ": listening\n\n"))
        // Ends when the server shuts down, which would otherwise wait for the listener forever.
        for await line in stream.cancelOnGracefulShutdown() { try await writer.write(ByteBuffer(string: "data: \(line)\n\n")) }
        try await writer.finish(nil)
      })
    }
    return router
  }

  private func pageFile(_ name: String) throws -> Response {
    guard let file = page[name] else { throw RequestError.notFound("no page file \(name.prefix(80))") }
    return Self.response(file.bytes, type: file.contentType)
  }

  private static func response(_ bytes: [UInt8], type: String, cache: String = "no-cache") -> Response {
    var headers = HTTPFields()
    headers[.contentType] = type
    headers[.cacheControl] = cache
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
  }

  /// A PNG tile from the cache, or drawn through the gate (and kept under `key`; nil = not kept:
  /// a run still painting).
  private func png(key: String?, draw: @escaping @Sendable () throws -> TileImage) async throws -> Response {
    if let key, let png = cache.tile(key) { return Self.response(png, type: "image/png", cache: "private, max-age=3600") }
    let png = try await gate.run { try draw().png() }
    guard let key else { return Self.response(png, type: "image/png", cache: "no-store") }
    cache.insert(png, for: key)
    return Self.response(png, type: "image/png", cache: "private, max-age=3600")
  }

  private func tile(_ context: BasicRequestContext, width: Int, height: Int) throws -> TileAddress {
    try TileAddress(
      z: context.parameters.require("z"), x: context.parameters.require("x"), y: context.parameters.require("y"), width: width, height: height)
  }

  /// The byte raster and colours of `layer` of a finished run: `classes`, `probability-<b>`
  /// (band b of the probabilities) or `heatmap-<b>` (band b = layer l·N + class c).
  private func raster(_ layer: String, of layers: PredictionLayers) throws -> (any ByteRaster, ColourTable) {
    guard let files = layers.files else { throw RequestError.notFound("prediction \(layers.id) failed") }
    if layer == "classes" { return (RasterBand(dataset: try layers.dataset(files.classMap), band: 0), layers.colours) }
    let parts = layer.split(separator: "-", maxSplits: 1)
    guard parts.count == 2, let band = Int(parts[1]), band >= 0 else {
      throw RequestError.badRequest("layer must be classes, probability-<band> or heatmap-<band>, not \(layer.prefix(40))")
    }
    let path: String?, bands: Int
    switch parts[0] {
    case "probability": (path, bands) = (files.probabilities, files.probabilityClasses.count)
    case "heatmap": (path, bands) = (files.heatmaps, files.heatmapLayers * layers.classes.count)
    default: throw RequestError.badRequest("layer must be classes, probability-<band> or heatmap-<band>, not \(layer.prefix(40))")
    }
    guard let path else { throw RequestError.notFound("prediction \(layers.id) has no \(parts[0]) layers") }
    guard band < bands else { throw RequestError.badRequest("\(parts[0]) band \(band) is outside 0..<\(bands)") }
    return (RasterBand(dataset: try layers.dataset(path), band: band), .probability)
  }

  /// 1-based `bands=` (one or three) as 0-based bands; the scene's first three (or one) without.
  static func bands(_ text: Substring?, scene: ServedScene) throws -> [Int] {
    let count = scene.dataset.bandCount
    guard let text else { return count >= 3 ? [0, 1, 2] : [0] }
    let bands = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
    guard bands.count == 1 || bands.count == 3, bands.allSatisfy({ (1...count).contains($0 ?? 0) }) else {
      throw RequestError.badRequest("bands must be one or three band numbers in 1...\(count), not \(text.prefix(40))")
    }
    return bands.map { $0! - 1 }
  }

  /// `stretch=` percent clipped at each end, in 0..<50 (2 without).
  static func stretch(_ text: Substring?) throws -> Double {
    guard let text else { return 2 }
    guard let value = Double(text), value >= 0, value < 50 else {
      throw RequestError.badRequest("stretch must be a percentage in 0..<50, not \(text.prefix(40))")
    }
    return value
  }

  static func pixel(_ request: Request, scene: ServedScene) throws -> (Int, Int) {
    let query = request.uri.queryParameters
    guard let x = query["x"].flatMap({ Int($0) }), let y = query["y"].flatMap({ Int($0) }) else {
      throw RequestError.badRequest("x and y must be integer pixel coordinates")
    }
    guard (0..<scene.dataset.width).contains(x), (0..<scene.dataset.height).contains(y) else {
      throw RequestError.badRequest("pixel (\(x), \(y)) is outside the \(scene.dataset.width)×\(scene.dataset.height) scene")
    }
    return (x, y)
  }

  private func state() -> ViewerState {
    ViewerState(
      scenes: catalog.scenes.map { scene in
        let dataset = scene.dataset
        return ViewerState.Scene(
          id: scene.id, name: scene.name, width: dataset.width, height: dataset.height, bands: dataset.bandCount,
          defaultBands: dataset.bandCount >= 3 ? [1, 2, 3] : [1],
          geoTransform: dataset.geoReference?.geoTransform ?? [0, 1, 0, 0, 0, 1], crs: dataset.geoReference?.crsName,
          minZoom: scene.minimumZoom, predictions: catalog.predictions(of: scene).map(ViewerState.Prediction.init))
      },
      classes: ViewerState.LegendEntry.entries(catalog.classes, colours: .classes(catalog.classes.palette)),
      referring: inference.referring != nil, maxTextLength: settings.maxTextLength, jobCapacity: settings.jobCapacity)
  }
}

/// What the page answers `POST /api/jobs` with.
struct JobReceipt: ResponseEncodable {
  let job: Int
  /// 0 = running now, k = k-th in line.
  let position: Int
}

struct JobCancellation: ResponseEncodable {
  let job: Int
  /// "cancelled" (it was waiting) or "stopping" (it was running: `cancelled` follows on the events).
  let state: String
}

/// Headers every response carries: only this server's own scripts, styles and images.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    do {
      var response = try await next(request, context)
      Self.add(to: &response.headers)
      return response
    } catch let error as any HTTPResponseError {
      var response = try error.response(from: request, context: context)
      Self.add(to: &response.headers)
      return response
    }
  }

  private static func add(to headers: inout HTTPFields) {
    headers[HTTPField.Name("Content-Security-Policy")!] =
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
    headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
  }
}
