import Foundation
import Raster
import XCTest

/// `rsseg serve` in a real browser: headless Chromium opens the page on the demo scene, waits for
/// tiles and the legend, segments the view, and the page, the outputs and screenshots are checked.
final class ServeBrowserTests: XCTestCase {
  private var folder: URL!
  private var server: Process?

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-serve-browser-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    if let server, server.isRunning {
      server.terminate()
      let deadline = Date().addingTimeInterval(10)
      while server.isRunning && Date() < deadline { usleep(100_000) }
      if server.isRunning { kill(server.processIdentifier, SIGKILL) }
    }
    try? FileManager.default.removeItem(at: folder)
  }

  /// Starts `rsseg serve` (with `extra` arguments) on a free port and returns the URL it prints.
  private func startServer(_ extra: [String] = []) throws -> String {
    let process = Process()
    process.executableURL = Bundle.main.bundleURL.appendingPathComponent("rsseg")
    process.arguments = [
      "serve", "--model", packageRoot.appendingPathComponent("samples/models/dubai-demo.safetensors").path,
      packageRoot.appendingPathComponent("samples/naip/naip_2020_utm14n.tif").path,
      "--outputs", folder.appendingPathComponent("outputs").path, "--port", "0",
    ] + extra
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    server = process
    var text = ""
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, process.isRunning {
      let data = out.fileHandleForReading.availableData
      text += String(decoding: data, as: UTF8.self)
      if let range = text.range(of: #"http://\S+token=[0-9a-f]+"#, options: .regularExpression) { return String(text[range]) }
    }
    throw HeadlessChromium.Failure(description: "rsseg serve printed no URL: \(text)")
  }

  func testThePageShowsTheSceneAndSegmentsTheView() throws {
    guard let binary = HeadlessChromium.binary else {
      throw XCTSkip("Debian's chromium is not installed (make test installs it: scripts/install-test-browser)")
    }
    let url = try startServer()
    XCTAssertTrue(url.hasPrefix("http://127.0.0.1:"), url)
    let browser = try HeadlessChromium(binary: binary)
    try browser.open(url)
    XCTAssertTrue(
      try browser.wait(60, for: "document.querySelectorAll('#legend li').length === 6 && document.querySelectorAll('.rs-scene img.leaflet-tile-loaded').length > 0"),
      "no tiles or legend: \(browser.peek("document.body.innerText"))")
    XCTAssertEqual(try browser.evaluate("[...document.querySelectorAll('#legend li')].map(li => li.textContent).join(',')") as? String,
                   "Building,Land,Road,Vegetation,Water,Unlabeled")
    let before = try pixels(browser.screenshot())
    XCTAssertGreaterThan(Set(before).count, 1000, "the scene is drawn")

    _ = try browser.evaluate("document.getElementById('segment-view').click(); true")
    XCTAssertTrue(
      try browser.wait(300, for: "/finished|failed/.test(document.getElementById('status').textContent)")
        && browser.evaluate("document.getElementById('status').textContent.includes('finished')") as? Bool == true,
      "the run did not finish: \(browser.peek("document.getElementById('status').textContent"))")
    XCTAssertTrue(try browser.wait(60, for: "document.querySelectorAll('.rs-classes img.leaflet-tile-loaded').length > 0"), "no class tiles")
    XCTAssertEqual(try browser.evaluate("document.getElementById('progress-bar').style.width") as? String, "100%")
    XCTAssertEqual(try browser.evaluate("document.getElementById('run-select').value") as? String, "p1")
    XCTAssertTrue(try browser.wait(5, for: "document.getElementById('probability-select').options.length === 7"))
    usleep(500_000)
    let after = try pixels(browser.screenshot())
    let changed = zip(before, after).filter { $0 != $1 }.count
    XCTAssertGreaterThan(Double(changed) / Double(after.count), 0.1, "the class layer covers the scene")

    let outputs = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("outputs").path)
    // The view shows the whole scene (named as predict names it) or a window of it (<stem>_view_…).
    XCTAssertTrue(outputs.contains { $0.hasPrefix("naip_2020_utm14n") && $0.hasSuffix("_probabilities.tif") }, "\(outputs)")

    let centre = try browser.evaluate("(() => { const m = document.getElementById('map').getBoundingClientRect(); return [m.left + m.width / 2, m.top + m.height / 2]; })()") as! [Double]
    try browser.move(x: centre[0], y: centre[1])
    XCTAssertTrue(try browser.wait(10, for: "/pixel \\d+, \\d+\\nmap \\d+\\.\\d+, \\d+\\.\\d+\\nNAD83 \\/ UTM zone 14N \\(EPSG:26914\\)/.test(document.getElementById('coordinates').textContent)"),
                  "\(browser.peek("document.getElementById('coordinates').textContent"))")
    try browser.click(x: centre[0], y: centre[1])
    XCTAssertTrue(try browser.wait(20, for: "/p1 view .*: (Building|Land|Road|Vegetation|Water|Unlabeled)\\n  Building \\d/.test(document.getElementById('pixel-info').textContent)"),
                  "\(browser.peek("document.getElementById('pixel-info').textContent"))")
    if let keep = ProcessInfo.processInfo.environment["RSSEG_SERVE_SCREENSHOT"] { try browser.screenshot().write(to: URL(fileURLWithPath: keep)) }
  }

  func testATypedSentenceRunsTheReferringModel() throws {
    guard let binary = HeadlessChromium.binary else {
      throw XCTSkip("Debian's chromium is not installed (make test installs it: scripts/install-test-browser)")
    }
    let minilm = ProcessInfo.processInfo.environment["RSSEG_MINILM"] ?? packageRoot.appendingPathComponent(".deps/minilm").path
    let config = folder.appendingPathComponent("tiny.json")
    try #"{"swin": {"embed_dim": 8, "depths": [1, 1, 1, 1], "num_heads": [1, 1, 2, 2], "window_size": 4}, "lang_dim": 384}"#
      .write(to: config, atomically: true, encoding: .utf8)
    let model = folder.appendingPathComponent("lavt.safetensors").path
    let created = try runRSSeg(["init", "--architecture", "lavt", "--bert", minilm, "--lavt-config", config.path, "-o", model])
    XCTAssertEqual(created.status, 0, created.err)
    let browser = try HeadlessChromium(binary: binary)
    try browser.open(try startServer(["--referring-model", model]))
    XCTAssertTrue(try browser.wait(60, for: "!document.getElementById('refer-form').hidden && document.querySelectorAll('#legend li').length === 6"))
    let sentence = "the grey roof next to the road"
    _ = try browser.evaluate("document.getElementById('refer-text').value = '\(sentence)'; document.getElementById('refer-run').click(); true")
    XCTAssertTrue(
      try browser.wait(300, for: "/finished|failed/.test(document.getElementById('status').textContent)")
        && browser.evaluate("document.getElementById('status').textContent.includes('finished')") as? Bool == true,
      "\(browser.peek("document.getElementById('status').textContent"))")
    XCTAssertEqual(try browser.evaluate("[...document.querySelectorAll('#queries li')].map(li => li.textContent).join('|')") as? String, "“\(sentence)”")
    XCTAssertEqual(try browser.evaluate("[...document.querySelectorAll('#legend li')].map(li => li.textContent).join(',')") as? String, "background,target")
    XCTAssertTrue(try browser.wait(60, for: "document.querySelectorAll('.rs-classes img.leaflet-tile-loaded').length > 0"), "no mask tiles")
    let outputs = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("outputs").path)
    XCTAssertTrue(outputs.contains { $0.hasSuffix("_text1.tif") } && outputs.contains { $0.hasSuffix("_text1_polygons.geojson") }, "\(outputs)")
  }

  /// The screenshot's pixels as 0xRRGGBB, decoded through GDAL.
  private func pixels(_ png: Data) throws -> [Int] {
    let path = folder.appendingPathComponent("screen-\(UUID().uuidString).png")
    try png.write(to: path)
    let image = try RasterDataset(path: path.path).read(UInt8.self, bands: [0, 1, 2])
    let plane = image.pixelCount
    return (0..<plane).map { i in Int(image.values[i]) << 16 | Int(image.values[plane + i]) << 8 | Int(image.values[2 * plane + i]) }
  }
}
