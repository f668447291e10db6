import Foundation
import Raster

/// One input scene of the viewer: its raster, opened once and read by every tile request (reads
/// are serialised by `RasterDataset`), overviews for a large one that has none, and the band
/// statistics its percentile stretch needs.
public final class ServedScene: @unchecked Sendable {
  // @unchecked: `statistics` and `overviewed` are touched only under `lock`.
  /// The id the page uses: the scene's place on the command line.
  public let id: String
  /// The output stem of `predict` (the file name without extension).
  public let name: String
  public let path: String
  public let dataset: RasterDataset
  private let lock = NSLock()
  private var statistics: [Int: BandStatistics] = [:]
  private var overviewed: RasterDataset?

  init(id: String, name: String, path: String) throws {
    self.id = id
    self.name = name
    self.path = path
    dataset = try RasterDataset(path: path)
  }

  /// What tiles are read from: the scene, or once `prepareOverviews` made them, a VRT of it with
  /// overviews.
  var tileSource: RasterDataset { lock.withLock { overviewed ?? dataset } }

  /// Gives a scene larger than `minimumSide` that has no overviews a set of its own in `folder`
  /// (`<name>.vrt` and its `.vrt.ovr`, built once and kept), so zoomed-out tiles read reduced
  /// copies instead of the whole scene. The scene's own folder is not written to.
  func prepareOverviews(in folder: String, minimumSide: Int = 4096) throws {
    guard max(dataset.width, dataset.height) > minimumSide, dataset.overviewCount == 0 else { return }
    let base = URL(fileURLWithPath: folder)
    let vrt = base.appendingPathComponent(name + ".vrt").path
    if !FileManager.default.fileExists(atPath: vrt + ".ovr") {
      try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
      let partial = base.appendingPathComponent(".\(name)-\(UUID().uuidString).vrt").path
      defer { for path in [partial, partial + ".ovr"] { try? FileManager.default.removeItem(atPath: path) } }
      try WindowFile.write(
        source: URL(fileURLWithPath: path).standardizedFileURL.path,
        window: PixelWindow(x: 0, y: 0, width: dataset.width, height: dataset.height), to: partial)
      try Overviews.build(path: partial)
      try? FileManager.default.removeItem(atPath: vrt)
      try FileManager.default.moveItem(atPath: partial, toPath: vrt)
      try FileManager.default.moveItem(atPath: partial + ".ovr", toPath: vrt + ".ovr")
    }
    let opened = try RasterDataset(path: vrt)
    guard opened.width == dataset.width, opened.height == dataset.height, opened.overviewCount > 0 else { return }
    lock.withLock { overviewed = opened }
  }

  /// The statistics of 0-based `band`, computed on first use from a decimated read.
  func statistics(band: Int) throws -> BandStatistics {
    if let known = lock.withLock({ statistics[band] }) { return known }
    let computed = try BandStatistics(dataset: tileSource, band: band)
    lock.withLock { statistics[band] = computed }
    return computed
  }

  /// The highest zoom out: the whole scene in one tile.
  var minimumZoom: Int { -TileAddress.levels(toFit: max(dataset.width, dataset.height)) }
}

/// The sorted valid values of a decimated read of one band (at most 512² of them): enough for
/// percentiles to a fraction of a percent.
struct BandStatistics: Sendable {
  let sorted: [Float]

  init(dataset: RasterDataset, band: Int) throws {
    let side = 512
    let scale = max(1, Double(max(dataset.width, dataset.height)) / Double(side))
    let (w, h) = (max(1, Int(Double(dataset.width) / scale)), max(1, Int(Double(dataset.height) / scale)))
    let values = try dataset.read(Float.self, bands: [band], outWidth: w, outHeight: h).values
    let nodata = dataset.nodata[band].map(Float.init)
    sorted = values.filter { $0.isFinite && $0 != nodata }.sorted()
  }

  /// The value below which `percent` % of the values lie (0 when the band has no valid value).
  func percentile(_ percent: Double) -> Float {
    guard !sorted.isEmpty else { return 0 }
    let index = Int((percent / 100 * Double(sorted.count - 1)).rounded())
    return sorted[min(max(index, 0), sorted.count - 1)]
  }
}
