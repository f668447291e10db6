import Foundation
import GISInspection
import Raster
import XCTest

/// Runs `rsseg refer` with a tiny fresh LAVT (MiniLM BERT) on a crop of the NAIP sample.
final class ReferTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-refer-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  private var minilm: String {
    ProcessInfo.processInfo.environment["RSSEG_MINILM"] ?? packageRoot.appendingPathComponent(".deps/minilm").path
  }

  /// A tiny random LAVT model file and a 128×112 georeferenced RGB crop (four 96-pixel windows) of the NAIP sample.
  private func setUpModelAndScene() throws -> (model: String, scene: String, geo: GeoReference?) {
    let config = #"{"swin": {"embed_dim": 8, "depths": [1, 1, 1, 1], "num_heads": [1, 1, 2, 2], "window_size": 4}, "lang_dim": 384}"#
    try config.write(to: folder.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
    let created = try runRSSeg([
      "init", "--architecture", "lavt", "--bert", minilm, "--lavt-config", path("tiny.json"), "-o", path("m.safetensors"),
    ])
    XCTAssertEqual(created.status, 0, created.err)
    let naip = try RasterDataset(path: packageRoot.appendingPathComponent("samples/naip/naip_2020_utm14n.tif").path)
    let crop = try naip.read(UInt8.self, bands: [0, 1, 2], window: PixelWindow(x: 300, y: 200, width: 128, height: 112))
    let geo = naip.geoReference?.window(x: 300, y: 200)
    try GeoTIFFWriter.write(crop, to: path("field.tif"), options: GeoTIFFOptions(geoReference: geo))
    return (path("m.safetensors"), path("field.tif"), geo)
  }

  private func pixels(_ file: String) throws -> [UInt8] { try RasterDataset(path: file).read(UInt8.self).values }

  func testReferWritesGeoreferencedOutputsAndRepeats() throws {
    let (model, scene, geo) = try setUpModelAndScene()
    let sentences = ["the grey roof on the left", "the road"]
    func run(_ out: String, _ extra: [String] = []) throws -> CommandResult {
      try runRSSeg(
        ["refer", "--model", model, "--text", sentences[0], "--text", sentences[1], scene, "--out", path(out),
         "--tile", "96", "--overlap", "32", "--batch", "2", "--quiet"] + extra)
    }
    let first = try run("a")
    XCTAssertEqual(first.status, 0, first.err)
    XCTAssertTrue(first.out.contains("128×112, 2 sentence(s)"), first.out)
    for k in 1...2 {
      for suffix in [".tif", ".png", "_probabilities.tif", "_overlay.png"] {
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("a/field_text\(k)\(suffix)")), "field_text\(k)\(suffix)")
      }
      let mask = try RasterDataset(path: path("a/field_text\(k).tif"))
      XCTAssertEqual([mask.width, mask.height, mask.bandCount], [128, 112, 1])
      XCTAssertEqual(mask.geoReference, geo)
      XCTAssertNotNil(geo)
      XCTAssertTrue(try pixels(path("a/field_text\(k).tif")).allSatisfy { $0 <= 1 })
      XCTAssertEqual(try RasterDataset(path: path("a/field_text\(k)_probabilities.tif")).geoReference, geo)
    }
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("a/field_refer.json")))) as! [String: Any]
    XCTAssertEqual((summary["sentences"] as! [[String: Any]]).map { $0["text"] as! String }, sentences)

    // The same text again gives the same masks and probabilities.
    let second = try run("b")
    XCTAssertEqual(second.status, 0, second.err)
    for name in ["field_text1.tif", "field_text2.tif", "field_text1_probabilities.tif", "field_text2_probabilities.tif"] {
      XCTAssertEqual(try pixels(path("a/\(name)")), try pixels(path("b/\(name)")), name)
    }
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("a/field_refer.json"))).count,
                   try Data(contentsOf: URL(fileURLWithPath: path("b/field_refer.json"))).count)

    // As COGs, with the targets' polygons.
    let gis = try run("c", ["--cog", "--vector", "geojson"])
    XCTAssertEqual(gis.status, 0, gis.err)
    for k in 1...2 {
      XCTAssertEqual(try pixels(path("c/field_text\(k).tif")), try pixels(path("a/field_text\(k).tif")))
      XCTAssertEqual(try RasterInfo(path: path("c/field_text\(k).tif")).imageStructure["LAYOUT"], "COG")
      XCTAssertEqual(try RasterInfo(path: path("c/field_text\(k).tif")).categoryNames, ["background", "target"])
      XCTAssertEqual(try RasterInfo(path: path("c/field_text\(k)_probabilities.tif")).bandDescriptions, ["p(target)"])
      let polygons = try VectorInfo(path: path("c/field_text\(k)_polygons.geojson"))
      XCTAssertTrue(polygons.features.allSatisfy { $0.fields["class_name"] == "target" })
      let targets = try pixels(path("c/field_text\(k).tif")).filter { $0 == 1 }.count
      XCTAssertEqual(polygons.features.reduce(0) { $0 + $1.geometryArea }, Double(targets) * 25, accuracy: 1e-6)
    }

    let again = try run("a")
    XCTAssertEqual(again.status, 0, again.err)
    XCTAssertTrue(again.out.contains("outputs exist, skipped"), again.out)
    let maps = try run("a", ["--heatmaps", "--force"])
    XCTAssertEqual(maps.status, 0, maps.err)
    XCTAssertTrue(maps.err.contains("has no correlation maps"), maps.err)
  }

  func testOptionsAreChecked() throws {
    let noText = try runRSSeg(["refer", "--model", path("m.safetensors"), path("x.tif"), "--out", path("o")])
    XCTAssertNotEqual(noText.status, 0)
    XCTAssertTrue(noText.err.contains("at least one --text"), noText.err)
    let notAModel = try runRSSeg(["refer", "--model", path("missing.safetensors"), "--text", "a", path("x.tif"), "--out", path("o")])
    XCTAssertNotEqual(notAModel.status, 0)
  }
}
