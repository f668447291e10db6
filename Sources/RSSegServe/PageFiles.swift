import Foundation

/// The files the page loads, read once at start and served by name: the viewer's own (bundled
/// with this module) and Leaflet's, from Debian's libjs-leaflet. Nothing else on disk is reachable
/// through them.
struct PageFiles: Sendable {
  struct File: Sendable {
    let bytes: [UInt8]
    let contentType: String
  }

  static let debianLeaflet = "/usr/share/javascript/leaflet"
  private let files: [String: File]

  /// - Throws: `ServeError` naming what is missing (libjs-leaflet not installed).
  init(leaflet: String = Self.debianLeaflet) throws {
    var files: [String: File] = [:]
    for (name, type) in [("index.html", "text/html"), ("viewer.js", "text/javascript"), ("viewer.css", "text/css")] {
      guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Page"),
        let data = FileManager.default.contents(atPath: url.path)
      else { throw ServeError("the viewer's page file \(name) is missing from the rsseg_RSSegServe resources") }
      files[name] = File(bytes: Array(data), contentType: type + "; charset=utf-8")
    }
    let leafletFiles = [
      ("leaflet.js", "text/javascript; charset=utf-8"), ("leaflet.css", "text/css; charset=utf-8"),
      ("images/layers.png", "image/png"), ("images/layers-2x.png", "image/png"),
    ]
    for (name, type) in leafletFiles {
      guard let data = FileManager.default.contents(atPath: "\(leaflet)/\(name)") else {
        throw ServeError("\(leaflet)/\(name) is missing: install Debian's libjs-leaflet (scripts/bootstrap does)")
      }
      files["leaflet/" + name] = File(bytes: Array(data), contentType: type)
    }
    self.files = files
  }

  subscript(name: String) -> File? { files[name] }
}

/// A reason the server cannot start.
public struct ServeError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
