import Foundation
import XCTest

/// `<package root>/../shared`.
let sharedFolder = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("shared")

let naipScenes = ["naip_2010_utm14n.tif", "naip_2020_utm14n.tif"].map {
  sharedFolder.appendingPathComponent("data/naip/\($0)").path
}

/// A fresh empty folder, removed at the end of the test.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-raster-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  return url
}

func filesIn(_ url: URL) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
}
