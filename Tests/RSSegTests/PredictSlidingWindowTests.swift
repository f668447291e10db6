import Foundation
import Raster
import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// A model whose output depends on each pixel alone (a 1×1 convolution), so any correct
/// blending of overlapping windows must reproduce a whole-image forward exactly.
final class PixelwiseModel: SegmentationModel {
  let conv: Conv2d
  let classCount: Int
  let sizeMultiple = 8

  init(bands: Int = 3, classes: Int = 4, seed: UInt64 = 7) throws {
    Torch.manualSeed(seed)
    conv = try Conv2d(bands, classes, kernelSize: 1)
    classCount = classes
  }

  func logits(_ x: Tensor) throws -> Tensor { try conv(x) }
}

enum PredictFixtures {
  static let normalization = Normalization(mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3])

  /// A fresh folder removed at the end of the test.
  static func folder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-predict-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
  }

  /// A 3-band uint8 GeoTIFF of pseudo-random pixels.
  static func scene(width: Int, height: Int, in folder: URL) throws -> String {
    var state: UInt64 = 12345
    let values = (0..<3 * width * height).map { _ -> UInt8 in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return UInt8(truncatingIfNeeded: state >> 56)
    }
    let path = folder.appendingPathComponent("scene-\(width)x\(height).tif").path
    try GeoTIFFWriter.write(RasterBuffer(width: width, height: height, bands: 3, values: values), to: path)
    return path
  }

  /// The NAIP sample bundled in samples/.
  static var naip: String { packageFile("samples/naip/naip_2020_utm14n.tif") }

  /// The demo model bundled in samples/.
  static var demoModel: String { packageFile("samples/models/dubai-demo.safetensors") }

  private static func packageFile(_ path: String) -> String {
    var url = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { url.deleteLastPathComponent() }
    return url.appendingPathComponent(path).path
  }
}

final class PredictSlidingWindowTests: XCTestCase {
  /// Runs the predictor and pastes the emitted blocks together, checking that they cover
  /// every pixel once, each band of columns top to bottom and the bands left to right.
  static func slide(
    _ model: any SegmentationModel, _ scene: SceneReader, _ options: SlidingWindowOptions, progress: (Int) -> Void = { _ in }
  ) throws -> Tensor {
    let predictor = try SlidingWindowPredictor(model: model, normalization: PredictFixtures.normalization, options: options)
    let result = try Tensor.full([predictor.channelCount, scene.height, scene.width], .float(.nan))
    var covered = [Int](repeating: 0, count: scene.width * scene.height)
    var (x, y, bandWidth) = (0, 0, 0)
    try predictor.predict(scene, progress: progress) { block in
      if y == scene.height { (x, y) = (x + bandWidth, 0) }
      bandWidth = block.width
      XCTAssertEqual([block.x, block.y], [x, y], "blocks out of order")
      y += block.height
      try result[.all, block.y..<(block.y + block.height), block.x..<(block.x + block.width)].copy_(block.logits)
      for r in block.y..<(block.y + block.height) { for c in block.x..<(block.x + block.width) { covered[r * scene.width + c] += 1 } }
    }
    XCTAssertEqual(Set(covered), [1], "every pixel exactly once")
    return result
  }

  private func slide(_ model: PixelwiseModel, _ scene: SceneReader, _ options: SlidingWindowOptions) throws -> Tensor {
    try Self.slide(model, scene, options)
  }

  private func wholeImage(_ model: PixelwiseModel, _ scene: SceneReader) throws -> Tensor {
    let (pixels, _) = try scene.read(PixelWindow(x: 0, y: 0, width: scene.width, height: scene.height))
    let n = PredictFixtures.normalization
    let x = try (Tensor(pixels.values, shape: [1, 3, scene.height, scene.width]) / 255
      - Tensor(n.mean, shape: [1, 3, 1, 1])) / Tensor(n.std, shape: [1, 3, 1, 1])
    return try model.logits(x)[0]
  }

  func testNoSeamsAtSeveralTileAndOverlapSettings() throws {
    let folder = try PredictFixtures.folder(self)
    let scene = try SceneReader(dataset: RasterDataset(path: PredictFixtures.scene(width: 101, height: 77, in: folder)), bands: [0, 1, 2])
    let model = try PixelwiseModel()
    let expected = try wholeImage(model, scene)
    let settings: [(tile: Int, overlap: Int, batch: Int, tta: TestTimeAugmentation)] = [
      (32, 8, 1, .none), (48, 16, 3, .none), (64, 0, 2, .none), (40, 39, 5, .none), (32, 8, 4, .flips), (32, 16, 2, .dihedral),
    ]
    for s in settings {
      // Also with room for one window's logits only: one band per window column, each handing
      // its overlap on to the next (through several bands when the overlap exceeds the stride).
      for blendBytes in [64 << 20, 4 * 4 * s.tile * s.tile] {
        var options = SlidingWindowOptions(tile: s.tile, overlap: s.overlap, batch: s.batch, tta: s.tta)
        options.blendBufferBytes = blendBytes
        let got = try slide(model, scene, options)
        XCTAssertEqual(got.shape, [4, 77, 101])
        let error = try (got - expected).abs().max().double()
        XCTAssertLessThan(error, 1e-4, "tile \(s.tile) overlap \(s.overlap) tta \(s.tta) buffer \(blendBytes)")
      }
    }
  }

  func testWindowsThatAreAllNodataAreNotRunAndChangeNothingElse() throws {
    final class CountingModel: SegmentationModel {
      let inner: PixelwiseModel
      var windows = 0
      init(_ inner: PixelwiseModel) { self.inner = inner }
      var classCount: Int { inner.classCount }
      var sizeMultiple: Int { inner.sizeMultiple }
      func logits(_ x: Tensor) throws -> Tensor {
        windows += x.shape[0]
        return try inner.logits(x)
      }
    }
    // Columns 0..<60 are nodata (0 in every band): the windows at x = 0 and 24 lie inside them.
    let (width, height) = (101, 77)
    var state: UInt64 = 99
    var values = [UInt8](repeating: 0, count: 3 * width * height)
    for c in 0..<3 { for y in 0..<height { for x in 60..<width {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      values[(c * height + y) * width + x] = max(1, UInt8(truncatingIfNeeded: state >> 56))
    } } }
    let folder = try PredictFixtures.folder(self)
    let path = folder.appendingPathComponent("nodata.tif").path
    try GeoTIFFWriter.write(RasterBuffer(width: width, height: height, bands: 3, values: values), to: path, options: GeoTIFFOptions(nodata: 0))
    let scene = try SceneReader(dataset: RasterDataset(path: path), bands: [0, 1, 2])
    let model = try CountingModel(PixelwiseModel())
    var options = SlidingWindowOptions(tile: 32, overlap: 8)
    options.blendBufferBytes = 4 * 4 * 32 * 80  // two bands: window columns at 0, 24, 48 and 69
    let predictor = try SlidingWindowPredictor(model: model, normalization: PredictFixtures.normalization, options: options)
    var progressed = 0
    let got = try Self.slide(model, scene, options, progress: { progressed += $0 })
    XCTAssertEqual(progressed, predictor.windowCount(width: width, height: height))
    XCTAssertEqual(model.windows, progressed - 2 * 3, "two window columns of three window-rows skipped")
    let expected = try wholeImage(model.inner, scene)
    XCTAssertEqual(try got.isfinite().all().int(), 1)
    XCTAssertLessThan(try (got[.all, .all, 60...] - expected[.all, .all, 60...]).abs().max().double(), 1e-4)
  }

  func testImageSmallerThanTheTile() throws {
    let folder = try PredictFixtures.folder(self)
    let scene = try SceneReader(dataset: RasterDataset(path: PredictFixtures.scene(width: 13, height: 21, in: folder)), bands: [0, 1, 2])
    let model = try PixelwiseModel()
    let got = try slide(model, scene, SlidingWindowOptions(tile: 64, overlap: 16))
    XCTAssertEqual(got.shape, [4, 21, 13])
    XCTAssertLessThan(try (got - wholeImage(model, scene)).abs().max().double(), 1e-4)
  }

  func testWindowsPastTheSceneAreMirroredOrZeroWhereTooSmall() throws {
    let folder = try PredictFixtures.folder(self)
    let predictor = try SlidingWindowPredictor(model: PixelwiseModel(), normalization: PredictFixtures.normalization, options: SlidingWindowOptions(tile: 64, overlap: 16))
    let (mean, std) = try predictor.normalizers()
    let wide = try SceneReader(dataset: RasterDataset(path: PredictFixtures.scene(width: 40, height: 50, in: folder)), bands: [0, 1, 2])
    let window = try XCTUnwrap(predictor.normalizedWindow(wide, x: 0, y: 0, rows: 50, height: 56, width: 48, mean: mean, std: std))
    XCTAssertEqual(window.shape, [3, 56, 48])
    XCTAssertTrue(try window[.all, .all, 40].equal(window[.all, .all, 38]), "column 40 mirrors column 38")
    XCTAssertTrue(try window[.all, 53, .all].equal(window[.all, 45, .all]), "row 53 mirrors row 45")
    let narrow = try SceneReader(dataset: RasterDataset(path: PredictFixtures.scene(width: 13, height: 21, in: folder)), bands: [0, 1, 2])
    let padded = try XCTUnwrap(predictor.normalizedWindow(narrow, x: 0, y: 0, rows: 21, height: 32, width: 32, mean: mean, std: std))
    XCTAssertEqual(try padded[.all, .all, 13...].abs().max().double(), 0, "19 columns past 13 cannot mirror: zeros")
  }

  func testWindowStartsCoverEdgesThatAreNotAMultipleOfTheStride() {
    XCTAssertEqual(WindowGrid.starts(length: 100, window: 32, stride: 24), [0, 24, 48, 68])
    XCTAssertEqual(WindowGrid.starts(length: 96, window: 32, stride: 32), [0, 32, 64])
    XCTAssertEqual(WindowGrid.starts(length: 20, window: 32, stride: 24), [0])
  }

  func testScenePartsTileTheRowsAndRunAboutAsManyWindowRowsEach() throws {
    let scene = SceneRun.Scene(image: "s.tif", stem: "s", files: SceneFiles(["/out/s.tif"]), done: false)
    for (height, tile, overlap) in [(723, 128, 32), (4096, 1024, 256), (20000, 1024, 256), (300, 64, 0), (100, 96, 32)] {
      let predictor = try SlidingWindowPredictor(
        model: try PixelwiseModel(), normalization: PredictFixtures.normalization, options: .init(tile: tile, overlap: overlap))
      let ys = predictor.windowRows(height: height)
      for count in 1...5 {
        let parts = ScenePart.split(scene, windowRows: ys, height: height, count: count)
        XCTAssertEqual(parts.count, min(count, ys.count))
        XCTAssertEqual(parts.first?.rows.lowerBound, 0)
        XCTAssertEqual(parts.last?.rows.upperBound, height)
        for (a, b) in zip(parts, parts.dropFirst()) { XCTAssertEqual(a.rows.upperBound, b.rows.lowerBound) }
        for part in parts { XCTAssertTrue(ys.contains(part.rows.lowerBound) && !part.rows.isEmpty, "\(part.rows)") }
        let runs = parts.map { predictor.runRows(ys, height: height, emitting: $0.rows).count }
        // A later part recomputes the window row above it when that one reaches into its rows
        // (none without overlap; two where the last row, pulled back to the scene's edge, lies
        // close to the one before).
        XCTAssertTrue((ys.count...ys.count + 2 * (parts.count - 1)).contains(runs.reduce(0, +)), "\(runs)")
        XCTAssertLessThanOrEqual(runs.max()! - runs.min()!, 2, "balanced: \(runs) for \(height) px, \(count) parts")
      }
    }
  }

  func testColumnBandsTileTheAxisAndRunEachWindowOnce() {
    for (length, window, stride) in [(100, 32, 24), (5000, 1024, 768), (101, 40, 1), (20, 32, 24)] {
      let starts = WindowGrid.starts(length: length, window: window, stride: stride)
      for maxWidth in [1, window, 2 * window + 7, 4096, 1 << 30] {
        let bands = ColumnBand.bands(starts: starts, window: min(window, length), length: length, maxWidth: maxWidth)
        XCTAssertEqual(bands.flatMap { Array($0.windows) }, Array(starts.indices), "each window once, in order")
        XCTAssertEqual(bands.first?.origin, 0)
        for (band, next) in zip(bands, bands.dropFirst()) {
          XCTAssertEqual(band.origin + band.finished, next.origin, "finished columns tile the axis")
          XCTAssertLessThanOrEqual(band.width - band.finished, next.width, "the left-over fits the next band")
        }
        XCTAssertEqual(bands.last.map { $0.origin + $0.finished }, length)
        XCTAssertEqual(bands.last.map { $0.width == $0.finished }, true, "nothing left over at the end")
        for band in bands where band.windows.count > 1 { XCTAssertLessThanOrEqual(band.width, maxWidth) }
      }
    }
    XCTAssertEqual(
      ColumnBand.bands(starts: [0, 768, 1536, 2304, 2976], window: 1024, length: 4000, maxWidth: 2600),
      [
        ColumnBand(windows: 0..<3, origin: 0, width: 2560, finished: 2304),
        ColumnBand(windows: 3..<5, origin: 2304, width: 1696, finished: 1696),
      ])
  }

  func testSpillGivesBackTensorsInOrderAndNamesAnUnusableFolder() throws {
    let spill = try TensorSpill()
    let (a, b) = (try Tensor((0..<6).map(Float.init), shape: [2, 3]), try Tensor([Float(-1.5)], shape: [1]))
    try spill.append(a)
    try spill.append(b)
    XCTAssertEqual(try spill.next(shape: [2, 3]).scalars(as: Float.self), [0, 1, 2, 3, 4, 5])
    XCTAssertEqual(try spill.next(shape: [1]).scalars(as: Float.self), [-1.5])
    XCTAssertThrowsError(try spill.next(shape: [1])) { XCTAssertTrue("\($0)".contains("shorter than written"), "\($0)") }

    let saved = ProcessInfo.processInfo.environment["TMPDIR"]
    defer { if let saved { setenv("TMPDIR", saved, 1) } else { unsetenv("TMPDIR") } }
    setenv("TMPDIR", "/nonexistent-rsseg-folder", 1)
    XCTAssertThrowsError(try TensorSpill()) { XCTAssertTrue("\($0)".hasPrefix("/nonexistent-rsseg-folder: cannot create"), "\($0)") }
  }

  func testBlendingWeightsFallTowardsTheEdgesAndKeepTheFloor() throws {
    let p = BlendingWindow.profile(size: 8, floor: 0.05)
    XCTAssertEqual(p.count, 8)
    XCTAssertEqual(p[0], p[7], accuracy: 1e-6)
    XCTAssertEqual(p[3], p[4], accuracy: 1e-6)
    XCTAssertLessThan(p[0], p[1])
    XCTAssertLessThan(p[1], p[3])
    XCTAssertEqual(BlendingWindow.profile(size: 64, floor: 0.05)[0], 0.05)
    let w = try BlendingWindow.weights(height: 8, width: 4, floor: 0.05)
    XCTAssertEqual(w.shape, [8, 4])
  }

  func testInvalidSettingsAreRejected() throws {
    let model = try PixelwiseModel()
    XCTAssertThrowsError(try SlidingWindowPredictor(model: model, normalization: PredictFixtures.normalization, options: .init(tile: 30)))
    XCTAssertThrowsError(try SlidingWindowPredictor(model: model, normalization: PredictFixtures.normalization, options: .init(tile: 32, overlap: 32)))
  }
}
