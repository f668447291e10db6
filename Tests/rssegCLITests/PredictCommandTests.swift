import Foundation
import GISInspection
import Raster
import XCTest

/// Runs `rsseg predict` with a tiny fresh model on the bundled samples.
final class PredictCommandTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-predict-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let config = #"{"dims": [8, 16, 24, 32], "depths": [1, 1, 1, 1], "embed_dim": 16, "classes": 6, "layers": 1, "topk_ratio": 0.02, "min_pixels": 16, "has_fisher_loss": true}"#
    try config.write(to: folder.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  private func sample(_ relative: String) -> String {
    var url = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { url.deleteLastPathComponent() }
    return url.appendingPathComponent("samples").appendingPathComponent(relative).path
  }

  private var naip: String { sample("naip/naip_2020_utm14n.tif") }

  func testPredictNAIPThenForce() throws {
    let created = try runRSSeg(["init", "--preset", "vaihingen", "--config", path("tiny.json"), "-o", path("m.safetensors")])
    XCTAssertEqual(created.status, 0, created.err)
    let args = ["predict", "--model", path("m.safetensors"), "--bands", "1,2,3", "--tile", "256", "--overlap", "64", "--quiet", naip, "--out", path("out")]
    let first = try runRSSeg(args)
    XCTAssertEqual(first.status, 0, first.err)
    XCTAssertTrue(first.out.contains("934×723"), first.out)
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("out/naip_2020_utm14n.tif")))
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("out/naip_2020_utm14n.png")))

    let again = try runRSSeg(args)
    XCTAssertEqual(again.status, 0, again.err)
    XCTAssertTrue(again.out.contains("outputs exist, skipped"), again.out)
    let more = try runRSSeg(args + ["--overlay"])
    XCTAssertNotEqual(more.status, 0)
    XCTAssertTrue(more.err.contains("exists (use --force"), more.err)
    let forced = try runRSSeg(args + ["--force"])
    XCTAssertEqual(forced.status, 0, forced.err)
  }

  func testImageSmallerThanTheTileAndBadBands() throws {
    XCTAssertEqual(try runRSSeg(["init", "--preset", "vaihingen", "--config", path("tiny.json"), "-o", path("m.safetensors")]).status, 0)
    // A 509×544 Dubai JPEG (no georeference) under the default 1024-pixel tile.
    let image = sample("dubai_aerial/data/tile_2/images/image_part_001.jpg")
    let run = try runRSSeg([
      "predict", "--model", path("m.safetensors"), "--tta", "lr", "--heatmaps", "--overlay", "--probabilities", "float16", "--quiet",
      image, "--out", path("out"),
    ])
    XCTAssertEqual(run.status, 0, run.err)
    XCTAssertTrue(run.out.contains("509×544"), run.out)
    for name in ["image_part_001.tif", "image_part_001.png", "image_part_001_probabilities.tif", "image_part_001_overlay.png",
                 "image_part_001_heatmaps.tif", "image_part_001_heatmaps.png"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: path("out/" + name)), name)
    }

    let bad = try runRSSeg(["predict", "--model", path("m.safetensors"), "--bands", "1,2", image, "--out", path("out2")])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertTrue(bad.err.contains("the model takes 3 bands"), bad.err)
  }

  /// `--vector --cog` on the georeferenced NAIP sample, checked as a GIS user would (ogrinfo and
  /// gdalinfo through GDAL's API); `polygonize` gives the same polygons from the class map.
  func testPolygonsCOGAndClassNames() throws {
    XCTAssertEqual(try runRSSeg(["init", "--preset", "vaihingen", "--config", path("tiny.json"), "-o", path("m.safetensors")]).status, 0)
    let run = try runRSSeg([
      "predict", "--model", path("m.safetensors"), "--bands", "1,2,3", "--tile", "256", "--overlap", "64", "--quiet", naip,
      "--out", path("out"), "--probabilities", "uint8", "--cog", "--vector", "gpkg", "--ignore-class", "ImSurf", "--ignore-class", "5",
    ])
    XCTAssertEqual(run.status, 0, run.err)
    XCTAssertTrue(run.out.contains("naip_2020_utm14n_polygons.gpkg"), run.out)

    let classMap = path("out/naip_2020_utm14n.tif")
    let raster = try RasterInfo(path: classMap)
    XCTAssertEqual(raster.imageStructure["LAYOUT"], "COG")
    XCTAssertEqual(raster.categoryNames, ["ImSurf", "Building", "LowVeg", "Tree", "Car", "Clutter"])
    XCTAssertEqual(raster.attributeTable?.columns.map(\.usage), ["MinMax", "Name", "Red", "Green", "Blue"])
    let probabilities = try RasterInfo(path: path("out/naip_2020_utm14n_probabilities.tif"))
    XCTAssertEqual(probabilities.imageStructure["LAYOUT"], "COG")
    XCTAssertEqual(probabilities.bandDescriptions, ["p(ImSurf)", "p(Building)", "p(LowVeg)", "p(Tree)", "p(Car)", "p(Clutter)"])

    let polygons = try VectorInfo(path: path("out/naip_2020_utm14n_polygons.gpkg"))
    XCTAssertEqual(polygons.fieldNames, ["class_id", "class_name", "area"])
    XCTAssertTrue(sameCRS(try XCTUnwrap(polygons.crsWKT), raster.crsWKT), "the scene's CRS on the layer")
    XCTAssertEqual(polygons.metadata["AREA_UNIT"], "metre²")
    XCTAssertFalse(polygons.features.isEmpty)
    let input = try RasterDataset(path: naip)
    let pixelArea = abs(input.geoReference!.geoTransform[1] * input.geoReference!.geoTransform[5])
    let labels = try RasterDataset(path: classMap).read(UInt8.self).values
    for id in 0..<6 {
      let area = polygons.features.filter { $0.fields["class_id"] == "\(id)" }.reduce(0) { $0 + Double($1.fields["area"]!)! }
      let expected = [0, 5].contains(id) ? 0 : Double(labels.filter { $0 == UInt8(id) }.count) * pixelArea
      XCTAssertEqual(area, expected, accuracy: 1e-6 * max(expected, 1), "class \(id)")
    }

    let again = try runRSSeg([
      "polygonize", "--model", path("m.safetensors"), classMap, "--out", path("poly"), "--vector", "geojson",
      "--ignore-class", "ImSurf", "--ignore-class", "Clutter",
    ])
    XCTAssertEqual(again.status, 0, again.err)
    XCTAssertTrue(again.out.contains("\(polygons.features.count) polygons"), again.out)
    XCTAssertEqual(try VectorInfo(path: path("poly/naip_2020_utm14n_polygons.geojson")).features.count, polygons.features.count)
  }

  /// Bad polygon options fail with one line that names the problem, before any model runs.
  func testBadPolygonOptions() throws {
    XCTAssertEqual(try runRSSeg(["init", "--preset", "vaihingen", "--config", path("tiny.json"), "-o", path("m.safetensors")]).status, 0)
    let base = ["predict", "--model", path("m.safetensors"), "--bands", "1,2,3", naip, "--out", path("out")]
    for (extra, message) in [
      (["--vector", "kml"], "The value 'kml' is invalid for '--vector <vector>'"),
      (["--simplify", "2"], "--simplify needs --vector gpkg|geojson|shp"),
      (["--min-area", "10"], "--min-area needs --vector gpkg|geojson|shp"),
      (["--vector", "shp", "--simplify=-1"], "--simplify must be a finite tolerance > 0, not -1.0"),
      (["--ignore-class", "Car"], "--ignore-class needs --vector gpkg|geojson|shp"),
      (["--vector", "gpkg", "--ignore-class", "Cars"], "--ignore-class Cars: no such class (the model's: ImSurf, Building, LowVeg, Tree, Car, Clutter)"),
    ] {
      let run = try runRSSeg(base + extra)
      XCTAssertNotEqual(run.status, 0, "\(extra)")
      XCTAssertTrue(run.err.contains(message), "\(extra): \(run.err)")
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("out/naip_2020_utm14n.tif")))
  }
}
