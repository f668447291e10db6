import Foundation
import Raster
import XCTest

/// `rsseg launch -- predict` over loopback: a scene split into bands of window rows over two
/// processes gives the files of one process byte for byte (with the scene dictionary too); a
/// rerun redoes only a missing part; several scenes are shared by scene.
final class LaunchPredictTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-launch-predict-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let config = #"{"dims": [8, 16, 24, 32], "depths": [1, 1, 1, 1], "embed_dim": 16, "classes": 6, "layers": 1, "topk_ratio": 0.02, "min_pixels": 16, "has_fisher_loss": true}"#
    try config.write(to: folder.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
    let created = try runRSSeg(["init", "--preset", "vaihingen", "--config", path("tiny.json"), "-o", path("m.safetensors"), "--seed", "3"])
    XCTAssertEqual(created.status, 0, created.err)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  private let naip = packageRoot.appendingPathComponent("samples/naip/naip_2020_utm14n.tif").path

  /// `launch --nproc N -- predict` into `out`, every output asked for (the NAIP scene's 934×723
  /// in 128-pixel windows: 8 window rows); one process is plain `predict`. Every process runs
  /// libtorch on one thread, as the launcher sets it: results depend on the thread count.
  private func predict(processes: Int, out: String, scenes: [String]? = nil, extra: [String] = []) throws -> CommandResult {
    let launch = processes > 1 ? ["launch", "--nproc", "\(processes)", "--"] : []
    let result = try runRSSeg(
      launch + ["predict", "--model", path("m.safetensors"), "--bands", "1,2,3", "--tile", "128", "--overlap", "32",
       "--probabilities", "uint8", "--heatmaps", "--overlay", "--vector", "geojson", "--quiet", "--out", path(out)]
        + extra + (scenes ?? [naip]), environment: ["OMP_NUM_THREADS": "1"])
    XCTAssertEqual(result.status, 0, result.err)
    return result
  }

  /// The scene's outputs (not the VRTs and parts), by name.
  private func outputs(_ out: String) throws -> [String: Data] {
    let names = try FileManager.default.contentsOfDirectory(atPath: path(out)).filter { !$0.hasSuffix(".vrt") && !$0.hasSuffix(".parts") }
    return try Dictionary(uniqueKeysWithValues: names.map { ($0, try Data(contentsOf: URL(fileURLWithPath: path("\(out)/\($0)")))) })
  }

  func testSceneSplitOverTwoProcessesIsByteIdenticalToOneAndResumesByPart() throws {
    _ = try predict(processes: 1, out: "one")
    _ = try predict(processes: 2, out: "two")
    let one = try outputs("one"), two = try outputs("two")
    XCTAssertEqual(one.keys.sorted(), two.keys.sorted())
    XCTAssertGreaterThanOrEqual(one.count, 8, "\(one.keys.sorted())")
    for (name, data) in one { XCTAssertTrue(two[name] == data, "\(name) differs between 1 and 2 processes") }
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("one/naip_2020_utm14n.vrt")), "one process writes no parts")

    // The parts: two bands of whole window rows (5 and 3 of the 8, the second also running the
    // 5th), and a VRT of them that reads as the class map.
    let parts = try FileManager.default.contentsOfDirectory(atPath: path("two/naip_2020_utm14n.parts")).sorted()
    XCTAssertEqual(parts, ["rows-0-480", "rows-480-723"])
    let vrt = try RasterDataset(path: path("two/naip_2020_utm14n.vrt"))
    let merged = try RasterDataset(path: path("two/naip_2020_utm14n.tif"))
    XCTAssertEqual(try vrt.read(UInt8.self), try merged.read(UInt8.self))
    XCTAssertEqual(vrt.geoReference, merged.geoReference)
    XCTAssertEqual(try vrt.colorTable(), try merged.colorTable())
    XCTAssertEqual(try RasterDataset(path: path("two/naip_2020_utm14n_probabilities.vrt")).bandCount, 6)

    // A rerun after the merged files and one part were lost redoes that part only.
    let kept = path("two/naip_2020_utm14n.parts/rows-0-480/naip_2020_utm14n.tif")
    let keptDate = try FileManager.default.attributesOfItem(atPath: kept)[.modificationDate] as? Date
    for name in one.keys { try FileManager.default.removeItem(atPath: path("two/\(name)")) }
    try FileManager.default.removeItem(atPath: path("two/naip_2020_utm14n.parts/rows-480-723"))
    _ = try predict(processes: 2, out: "two")
    XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: kept)[.modificationDate] as? Date, keptDate)
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("two/naip_2020_utm14n.parts/rows-480-723/naip_2020_utm14n.tif")))
    for (name, data) in one { XCTAssertTrue(try outputs("two")[name] == data, "\(name) differs after the rerun") }
  }

  /// With `--dictionary scene` the processes all-reduce the evidence of their windows: both use
  /// the dictionary one process makes, and the files are the same byte for byte.
  func testSceneDictionaryOverTwoProcessesIsByteIdenticalToOne() throws {
    _ = try predict(processes: 1, out: "one", extra: ["--dictionary", "scene"])
    _ = try predict(processes: 2, out: "two", extra: ["--dictionary", "scene"])
    let one = try outputs("one"), two = try outputs("two")
    XCTAssertGreaterThanOrEqual(one.count, 8, "\(one.keys.sorted())")
    for (name, data) in one { XCTAssertTrue(two[name] == data, "\(name) differs between 1 and 2 processes") }
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("two/naip_2020_utm14n.parts")), "the scene was split")
  }

  func testManyScenesAreSharedByScene() throws {
    let copy = path("copy.tif")
    try FileManager.default.copyItem(atPath: naip, toPath: copy)
    let shared = try predict(processes: 2, out: "two", scenes: [naip, copy], extra: ["--cog"])
    XCTAssertTrue(shared.out.contains("naip_2020_utm14n.tif: 934×723") && shared.out.contains("copy.tif: 934×723"), shared.out)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("two/copy.parts")))
    _ = try predict(processes: 1, out: "one", scenes: [naip, copy], extra: ["--cog"])
    let one = try outputs("one"), two = try outputs("two")
    XCTAssertGreaterThanOrEqual(one.count, 16)
    for (name, data) in one { XCTAssertTrue(two[name] == data, "\(name) differs between 1 and 2 processes") }
  }
}
