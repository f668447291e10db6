import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Raster
@testable import RSSegServe
import XCTest

/// Runs from the page: checked orders, the queue's limit, and outputs as `predict` writes them.
final class ViewerJobTests: XCTestCase {
  /// The runs of the first scene, as `/api/state` lists them.
  private static func predictions(_ client: any TestClientProtocol) async throws -> [[String: Any]] {
    let state = try JSONSerialization.jsonObject(with: Data(try await client.get("/api/state").bytes)) as! [String: Any]
    return (state["scenes"] as! [[String: Any]])[0]["predictions"] as! [[String: Any]]
  }

  func testBadOrdersGetTheirReason() async throws {
    let fixture = try ViewerFixture()
    defer { fixture.remove() }
    try await fixture.test { client in
      let cases: [(String, HTTPResponse.Status, String)] = [
        ("not json", .badRequest, "a job is JSON"),
        (#"{"scene":"0","kind":"dance"}"#, .badRequest, "a job is JSON"),
        (#"{"scene":"../0","kind":"scene"}"#, .notFound, "no scene"),
        (#"{"scene":"0","kind":"view"}"#, .badRequest, "needs an area"),
        (#"{"scene":"0","kind":"view","area":{"x":-5,"y":0,"width":10,"height":10}}"#, .badRequest, "not inside"),
        (#"{"scene":"0","kind":"view","area":{"x":0,"y":0,"width":0,"height":10}}"#, .badRequest, "not inside"),
        (#"{"scene":"0","kind":"view","area":{"x":0,"y":0,"width":100000,"height":10}}"#, .badRequest, "not inside"),
        (#"{"scene":"0","kind":"refer","area":{"x":0,"y":0,"width":10,"height":10},"text":"the road"}"#, .badRequest, "no --referring-model"),
      ]
      for (body, status, reason) in cases {
        let response = try await client.post("/api/jobs", json: body)
        XCTAssertEqual(response.status, status, body)
        XCTAssertTrue(response.text.contains(reason), "\(body): \(response.text)")
      }
      let huge = try await client.post("/api/jobs", json: String(repeating: " ", count: 20_000) + "{}")
      XCTAssertEqual(huge.status, .contentTooLarge)
      let predictions = try await Self.predictions(client)
      XCTAssertTrue(predictions.isEmpty)
    }
  }

  func testAViewRunWritesPredictOutputsAndItsLayers() async throws {
    let fixture = try ViewerFixture()
    defer { fixture.remove() }
    try await fixture.test { client in
      let events = fixture.viewer.events.listen()
      let order = #"{"scene":"0","kind":"view","area":{"x":100,"y":60,"width":300,"height":200}}"#
      let receipt = try await client.post("/api/jobs", json: order)
      XCTAssertEqual(receipt.status, .accepted, receipt.text)
      XCTAssertTrue(receipt.text.contains(#""position":0"#), receipt.text)
      var kinds: [JobEvent.Kind] = []
      for await line in events {
        let event = try JSONDecoder().decode(JobEvent.self, from: Data(line.utf8))
        kinds.append(event.kind)
        if event.kind == .finished || event.kind == .failed { break }
      }
      XCTAssertEqual(kinds.first, .queued)
      XCTAssertEqual(kinds.last, .finished, "\(kinds)")
      XCTAssertTrue(kinds.contains(.progress) && kinds.contains(.painted), "\(kinds)")

      let stem = fixture.folder.appendingPathComponent("outputs/naip_2020_utm14n_view_100_60_300_200").path
      for suffix in [".tif", ".tif.aux.xml", ".png", "_probabilities.tif", "_heatmaps.tif", "_heatmaps.png", "_polygons.gpkg"] {
        XCTAssertTrue(FileManager.default.fileExists(atPath: stem + suffix), suffix)
      }
      let classes = try RasterDataset(path: stem + ".tif")
      let scene = try RasterDataset(path: ViewerFixture.naip)
      XCTAssertEqual([classes.width, classes.height], [300, 200])
      XCTAssertEqual(classes.geoReference, scene.geoReference.map { $0.window(x: 100, y: 60) })

      let predictions = try await Self.predictions(client)
      XCTAssertEqual(predictions.count, 1)
      XCTAssertEqual(predictions[0]["state"] as? String, "complete")
      XCTAssertEqual((predictions[0]["classes"] as? [[String: Any]])?.count, 6)
      XCTAssertEqual(predictions[0]["heatmapLayers"] as? Int, 2)
      XCTAssertEqual(predictions[0]["polygons"] as? Bool, true, "the run's own polygons")
      let id = predictions[0]["id"] as! String
      let ownPolygons = try await client.get("/api/predictions/\(id)/polygons")
      XCTAssertEqual(ownPolygons.status, .ok, ownPolygons.text)
      for layer in ["classes", "probability-0", "heatmap-11"] {
        let tile = try await client.get("/api/predictions/\(id)/tiles/\(layer)/0/0/0")
        XCTAssertEqual(tile.status, .ok, "\(layer): \(tile.text)")
      }
      let badLayer = try await client.get("/api/predictions/\(id)/tiles/heatmap-12/0/0/0")
      XCTAssertEqual(badLayer.status, .badRequest)
      let pixel = try await client.get("/api/scenes/0/pixel?x=150&y=100")
      XCTAssertEqual(pixel.status, .ok)
      let info = try JSONSerialization.jsonObject(with: Data(pixel.bytes)) as! [String: Any]
      let at = (info["predictions"] as! [[String: Any]])[0]
      XCTAssertNotNil(at["className"] as? String)
      let probabilities = (at["probabilities"] as! [[String: Any]]).map { $0["p"] as! Double }
      XCTAssertEqual(probabilities.count, 6)
      XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 0.03)
      let outside = try await client.get("/api/scenes/0/pixel?x=10&y=10")
      XCTAssertTrue(outside.text.contains(#""predictions":[]"#), outside.text)
    }
    // A new viewer over the same outputs lists the run, with the polygons the run wrote.
    let names = fixture.viewer.catalog.classes.names
    let again = try Viewer(
      images: [ViewerFixture.naip], segmentation: fixture.viewer.inference.segmentation, referring: nil, settings: fixture.viewer.settings,
      token: ViewerFixture.token)
    XCTAssertEqual(again.catalog.predictions(of: again.catalog.scenes[0]).map(\.area), [PixelWindow(x: 100, y: 60, width: 300, height: 200)])
    try await again.application().test(.router) { client in
      let polygons = try await client.get("/api/predictions/p1/polygons")
      XCTAssertEqual(polygons.status, .ok, polygons.text)
      let collection = try JSONSerialization.jsonObject(with: Data(polygons.bytes)) as! [String: Any]
      let features = collection["features"] as! [[String: Any]]
      XCTAssertFalse(features.isEmpty)
      let properties = features.map { $0["properties"] as! [String: Any] }
      XCTAssertTrue(properties.allSatisfy { names.contains($0["class_name"] as! String) })
      let ring = (((features[0]["geometry"] as! [String: Any])["coordinates"] as! [[[Double]]])[0])[0]
      XCTAssertEqual(ring[0], 485_899 + 5 * 100, accuracy: 5 * 300, "in the scene's CRS")
    }
  }

  /// A waiting job leaves the line at once; the running one stops at its next block, leaves the
  /// list of runs and no files (not even unfinished ones); the next job then runs as usual.
  func testJobsCanBeCancelledWaitingOrRunning() async throws {
    let fixture = try ViewerFixture()
    defer { fixture.remove() }
    try await fixture.test { client in
      let events = fixture.viewer.events.listen()
      let big = #"{"scene":"0","kind":"view","area":{"x":0,"y":0,"width":700,"height":600}}"#
      let small = #"{"scene":"0","kind":"view","area":{"x":0,"y":0,"width":200,"height":100}}"#
      for order in [big, small, small] {
        let receipt = try await client.post("/api/jobs", json: order)
        XCTAssertEqual(receipt.status, .accepted)
      }
      let waiting = try await client.delete("/api/jobs/3")
      XCTAssertEqual(waiting.status, .accepted, waiting.text)
      XCTAssertTrue(waiting.text.contains(#""state":"cancelled""#), waiting.text)
      let running = try await client.delete("/api/jobs/1")
      XCTAssertEqual(running.status, .accepted, running.text)
      XCTAssertTrue(running.text.contains(#""state":"stopping""#), running.text)
      let unknown = try await client.delete("/api/jobs/9"), notANumber = try await client.delete("/api/jobs/one")
      XCTAssertEqual(unknown.status, .notFound)
      XCTAssertEqual(notANumber.status, .badRequest)

      var ends: [Int: JobEvent.Kind] = [:]
      for await line in events {
        let event = try JSONDecoder().decode(JobEvent.self, from: Data(line.utf8))
        if [.finished, .failed, .cancelled].contains(event.kind) { ends[event.job] = event.kind }
        if ends.count == 3 { break }
      }
      XCTAssertEqual(ends, [1: .cancelled, 2: .finished, 3: .cancelled])
      let predictions = try await Self.predictions(client)
      XCTAssertEqual(predictions.count, 1)
      XCTAssertEqual(predictions.first?["state"] as? String, "complete")
      let outputs = try FileManager.default.contentsOfDirectory(atPath: fixture.folder.appendingPathComponent("outputs").path)
      XCTAssertFalse(outputs.contains { $0.contains("view_0_0_700_600") }, "\(outputs)")
      XCTAssertTrue(outputs.contains("naip_2020_utm14n_view_0_0_200_100.tif"), "\(outputs)")
      XCTAssertFalse(outputs.contains { $0.contains("partial") }, "\(outputs)")
    }
  }

  func testOneJobRunsAndTwoWaitTheRestAreRefused() async throws {
    let fixture = try ViewerFixture()
    defer { fixture.remove() }
    try await fixture.test { client in
      let order = #"{"scene":"0","kind":"view","area":{"x":0,"y":0,"width":500,"height":400}}"#
      var statuses: [HTTPResponse.Status] = []
      for _ in 0..<5 { statuses.append(try await client.post("/api/jobs", json: order).status) }
      XCTAssertEqual(statuses, [.accepted, .accepted, .accepted, .tooManyRequests, .tooManyRequests])
      let done = try await eventually(240) {
        let predictions = try await Self.predictions(client)
        return predictions.count == 3 && predictions.allSatisfy { $0["state"] as? String == "complete" }
      }
      XCTAssertTrue(done)
      let after = try await client.post("/api/jobs", json: order)
      XCTAssertEqual(after.status, .accepted)
      _ = try await eventually(120) { try await Self.predictions(client).allSatisfy { $0["state"] as? String == "complete" } }
    }
  }
}
