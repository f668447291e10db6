import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import RSSegServe
import XCTest

/// The token, the page files, and what a client can name: ids only, never paths.
final class ViewerAccessTests: XCTestCase {
  func testEveryRouteNeedsTheToken() async throws {
    let fixture = try ViewerFixture()
    defer { fixture.remove() }
    try await fixture.test { client in
      for uri in ["/", "/api/state", "/page/viewer.js", "/leaflet/leaflet.js", "/api/scenes/0/tiles/0/0/0", "/api/events", "/nothing"] {
        let response = try await client.execute(uri: uri, method: .get)
        XCTAssertEqual(response.status, .unauthorized, uri)
        let wrong = try await client.execute(uri: uri + "?token=" + String(repeating: "0", count: 32), method: .get)
        XCTAssertEqual(wrong.status, .unauthorized, uri)
        let wrongCookie = try await client.execute(uri: uri, method: .get, headers: [.cookie: "rsseg_token=abc"])
        XCTAssertEqual(wrongCookie.status, .unauthorized, uri)
      }
      let posted = try await client.execute(uri: "/api/jobs", method: .post, body: ByteBuffer(string: #"{"scene":"0","kind":"scene"}"#))
      XCTAssertEqual(posted.status, .unauthorized)
      XCTAssertTrue(posted.text.contains("token"), posted.text)
      let cancelled = try await client.execute(uri: "/api/jobs/1", method: .delete)
      XCTAssertEqual(cancelled.status, .unauthorized)
    }
  }

  func testTheTokenInTheURLSetsTheCookie() async throws {
    let fixture = try ViewerFixture()
    defer { fixture.remove() }
    try await fixture.test { client in
      let page = try await client.execute(uri: "/?token=\(ViewerFixture.token.value)", method: .get)
      XCTAssertEqual(page.status, .ok)
      XCTAssertTrue(page.text.contains("/leaflet/leaflet.js"))
      let cookie = page.headers[.setCookie] ?? ""
      XCTAssertTrue(cookie.contains("rsseg_token=\(ViewerFixture.token.value)"), cookie)
      XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie)
      XCTAssertTrue(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'self'") == true)
      let script = try await client.get("/page/viewer.js")
      XCTAssertEqual(script.status, .ok)
      XCTAssertEqual(script.headers[.contentType], "text/javascript; charset=utf-8")
      for name in ["leaflet.js", "leaflet.css", "images/layers.png"] {
        let file = try await client.get("/leaflet/\(name)")
        XCTAssertEqual(file.status, .ok, name)
        XCTAssertEqual(file.bytes, Array(FileManager.default.contents(atPath: "/usr/share/javascript/leaflet/\(name)")!), name)
      }
    }
  }

  func testPathsFromTheClientReachNothing() async throws {
    let fixture = try ViewerFixture()
    defer { fixture.remove() }
    try await fixture.test { client in
      for uri in [
        "/page/..%2F..%2F..%2Fetc%2Fpasswd", "/page/../../etc/passwd", "/leaflet/..%2Fleaflet%2Fleaflet.js", "/leaflet/leaflet.js.gz",
        "/leaflet/images/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/page/index.html%00.js", "/api/scenes/..%2F0/tiles/0/0/0",
        "/api/scenes/%2Fetc%2Fpasswd/tiles/0/0/0", "/api/predictions/..%2Fp1/tiles/classes/0/0/0",
        "/api/predictions/%2Ftmp%2Fx.tif/polygons", "/api/scenes/0%2F..%2F1/pixel?x=1&y=1",
      ] {
        let response = try await client.get(uri)
        XCTAssertTrue([.notFound, .badRequest].contains(response.status), "\(uri): \(response.status)")
        XCTAssertFalse(response.text.contains("root:"), uri)
      }
    }
  }

  func testTheStateListsScenesAndTheirGeoreference() async throws {
    let fixture = try ViewerFixture()
    defer { fixture.remove() }
    try await fixture.test { client in
      let response = try await client.get("/api/state")
      XCTAssertEqual(response.status, .ok)
      let state = try JSONSerialization.jsonObject(with: Data(response.bytes)) as! [String: Any]
      let scenes = state["scenes"] as! [[String: Any]]
      XCTAssertEqual(scenes.count, 1)
      XCTAssertEqual(scenes[0]["id"] as? String, "0")
      XCTAssertEqual(scenes[0]["name"] as? String, "naip_2020_utm14n")
      XCTAssertEqual(scenes[0]["bands"] as? Int, 4)
      XCTAssertTrue((scenes[0]["crs"] as? String)?.contains("EPSG:26914") == true, "\(scenes[0]["crs"] ?? "none")")
      XCTAssertEqual(state["referring"] as? Bool, false)
    }
  }
}
