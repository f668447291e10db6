import Foundation
import Raster
import XCTest
import RSSeg
import RSSegModels

/// `prepare potsdam` on one full-size (6000 × 6000) tile: time and peak memory. A measurement,
/// not a check: runs only with RSSEG_BENCH=1, in a release build:
///   RSSEG_BENCH=1 swift test -c release --filter DataPrepareScaleTests
final class DataPrepareScaleTests: XCTestCase {
  func testPotsdamTile() throws {
    try XCTSkipUnless(ProcessInfo.processInfo.environment["RSSEG_BENCH"] == "1", "set RSSEG_BENCH=1 to measure")
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    try writeTile(root.appendingPathComponent("src"), size: 6000)
    var options = PrepareOptions(source: root.appendingPathComponent("src"), output: root.appendingPathComponent("out"))
    options.showProgress = false
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)  // resets the peak (Linux)
    let start = Date()
    let report = try ISPRSPreparer.run(.potsdam, options, splits: [.train])
    let seconds = Date().timeIntervalSince(start)
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM") }.map(String.init) ?? "?"
    XCTAssertEqual(report.written["train/images_1024"], 108)
    print(String(format: "prepare potsdam, one 6000² tile → 108 patches: %.1f s; %@", seconds, peak))
  }

  private func writeTile(_ src: URL, size: Int) throws {
    for d in ["2_Ortho_RGB", "5_Labels_all"] {
      try FileManager.default.createDirectory(at: src.appendingPathComponent(d), withIntermediateDirectories: true)
    }
    var image = RasterBuffer<UInt8>(width: size, height: size, bands: 3, filledWith: 0)
    var label = RasterBuffer<UInt8>(width: size, height: size, bands: 3, filledWith: 255)
    let colours: [(UInt8, UInt8, UInt8)] = [(255, 255, 255), (0, 0, 255), (0, 255, 255), (0, 255, 0), (255, 255, 0), (255, 0, 0)]
    for y in 0..<size {
      for x in 0..<size {
        for b in 0..<3 { image[b, y, x] = UInt8(truncatingIfNeeded: x + y * (b + 1)) }
        (label[0, y, x], label[1, y, x], label[2, y, x]) = colours[(x / 250 + y / 170) % 6]
      }
    }
    try GeoTIFFWriter.write(image, to: src.appendingPathComponent("2_Ortho_RGB/top_potsdam_2_10_RGB.tif").path)
    try GeoTIFFWriter.write(label, to: src.appendingPathComponent("5_Labels_all/top_potsdam_2_10_label.tif").path)
  }
}
