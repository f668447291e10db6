import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Raster
import RSSeg
import RSSegModels
@testable import RSSegServe
import Torch
import XCTest

/// The package root (the folder holding Package.swift).
let packageRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A viewer of the demo model over the NAIP sample (or `images`), its outputs in a fresh folder.
struct ViewerFixture {
  static let naip = packageRoot.appendingPathComponent("samples/naip/naip_2020_utm14n.tif").path
  static let model = packageRoot.appendingPathComponent("samples/models/dubai-demo.safetensors").path
  static let token = AccessToken(value: String(repeating: "ab12", count: 8))

  let folder: URL
  let viewer: Viewer

  init(images: [String] = [Self.naip], configure: (inout Viewer.Settings) -> Void = { _ in }) throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-serve-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let (network, description) = try BiCoRSeg.load(modelFile: Self.model)
    network.eval()
    var windows = SlidingWindowOptions(tile: 256, overlap: 64, heatmaps: true)
    windows.device = .cpu
    var settings = Viewer.Settings()
    settings.outputs = folder.appendingPathComponent("outputs").path
    configure(&settings)
    viewer = try Viewer(
      images: images, segmentation: SegmentationSetup(network: network, description: description, bands: [0, 1, 2], windows: windows),
      referring: nil, settings: settings, token: Self.token)
  }

  func remove() { try? FileManager.default.removeItem(at: folder) }

  /// Headers carrying the token's cookie, as the page sends them after its first load.
  static var cookie: HTTPFields { [.cookie: "\(AccessToken.cookieName)=\(token.value)"] }

  /// Runs `body` with a client of the viewer's router (no sockets).
  func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    try await viewer.application().test(.router, body)
  }
}

extension TestClientProtocol {
  /// GET `uri` with the token's cookie.
  func get(_ uri: String) async throws -> TestResponse {
    try await execute(uri: uri, method: .get, headers: ViewerFixture.cookie)
  }

  /// DELETE `uri` with the token's cookie.
  func delete(_ uri: String) async throws -> TestResponse {
    try await execute(uri: uri, method: .delete, headers: ViewerFixture.cookie)
  }

  /// POST JSON `body` to `uri` with the token's cookie.
  func post(_ uri: String, json body: String) async throws -> TestResponse {
    var headers = ViewerFixture.cookie
    headers[.contentType] = "application/json"
    return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
  }
}

extension TestResponse {
  var text: String { String(buffer: body) }
  var bytes: [UInt8] { Array(body.readableBytesView) }
}

/// Polls `condition` every 0.2 s until it holds or `seconds` pass.
func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if try await condition() { return true }
    try await Task.sleep(nanoseconds: 200_000_000)
  }
  return try await condition()
}
