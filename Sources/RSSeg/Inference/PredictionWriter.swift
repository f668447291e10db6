import Foundation
import Raster
import RSSegModels
import Torch

/// Which files `PredictionWriter` writes besides the class map and its preview.
public struct PredictionOptions: Sendable {
  public enum ProbabilityType: String, Sendable, CaseIterable {
    /// Probability × 254 rounded; 255 is nodata.
    case uint8
    /// float32 stored as 16-bit floats; NaN is nodata.
    case float16
  }

  public var probabilities: ProbabilityType? = nil
  public var overlay = false
  /// Heatmap layers L to write (`<stem>_heatmaps.tif`, `<stem>_heatmaps.png`); 0 = none.
  public var heatmapLayers = 0
  /// Previews and overlays are downsampled (nearest) to at most this many pixels a side.
  public var previewMaxSide = 2048
  /// Overwrite existing outputs.
  public var force = false
  /// Classes written to the probability file (all by default), one band each in this order.
  public var probabilityClasses: [Int]? = nil
  /// Classes tinted in the overlay (all by default); other pixels show the plain image.
  public var overlayClasses: Set<Int>? = nil
  /// Text written across the top of the overlay (`BitmapFont.caption`).
  public var caption: String? = nil
  /// Every GeoTIFF as a Cloud-Optimised GeoTIFF: overviews by mode for the class map, by
  /// average for probabilities and heatmaps.
  public var cloudOptimized = false
  /// Also write `<stem>_polygons.<ext>`, the class map's regions as polygons.
  public var polygons: PolygonOptions? = nil
  /// Write the PNGs (preview, overlay, heatmap sheet). Off for the parts of a scene shared
  /// over processes: the merged scene has them.
  public var previews = true

  public init(
    probabilities: ProbabilityType? = nil, overlay: Bool = false, heatmapLayers: Int = 0, previewMaxSide: Int = 2048, force: Bool = false
  ) {
    self.probabilities = probabilities
    self.overlay = overlay
    self.heatmapLayers = heatmapLayers
    self.previewMaxSide = previewMaxSide
    self.force = force
  }
}

/// The paths of one predicted scene's files, named by what they hold.
public struct PredictionFiles: Sendable, Equatable {
  /// `<stem>.tif`: class indices.
  public let classMap: String
  /// `<stem>.tif.aux.xml`: the class map's class names and attribute table (`ClassAttributes`).
  public let classAttributes: String
  /// `<stem>.png`: the colour preview.
  public let preview: String?
  /// `<stem>_probabilities.tif`: one band per class.
  public let probabilities: String?
  /// `<stem>_overlay.png`: the image with the prediction blended in.
  public let overlay: String?
  /// `<stem>_heatmaps.tif`.
  public let heatmapRaster: String?
  /// `<stem>_heatmaps.png`: the heatmaps' contact sheet.
  public let heatmapSheet: String?
  /// `<stem>_polygons.<gpkg|geojson|shp>`: one feature per region of the class map.
  public let polygons: String?

  public init(directory: String, stem: String, options: PredictionOptions) {
    let dir = URL(fileURLWithPath: directory)
    func path(_ suffix: String) -> String { dir.appendingPathComponent(stem + suffix).path }
    classMap = path(".tif")
    classAttributes = ClassAttributes.sidecar(of: classMap)
    preview = options.previews ? path(".png") : nil
    probabilities = options.probabilities == nil ? nil : path("_probabilities.tif")
    overlay = options.overlay && options.previews ? path("_overlay.png") : nil
    heatmapRaster = options.heatmapLayers > 0 ? path("_heatmaps.tif") : nil
    heatmapSheet = options.heatmapLayers > 0 && options.previews ? path("_heatmaps.png") : nil
    polygons = options.polygons.map { Self.polygons(directory: directory, stem: stem, format: $0.format) }
  }

  /// `<stem>_polygons.<ext>` in `directory`: the polygons of the class map `<stem>.tif`.
  public static func polygons(directory: String, stem: String, format: VectorFormat) -> String {
    URL(fileURLWithPath: directory).appendingPathComponent("\(stem)_polygons.\(format.fileExtension)").path
  }

  /// Every file in the order `PredictionWriter.finish` completes them: the class map (after its
  /// sidecar), then its polygons, last.
  public var scene: SceneFiles {
    SceneFiles([probabilities, heatmapRaster, preview, overlay, heatmapSheet, classAttributes, classMap, polygons].compactMap { $0 })
  }

  public static func == (a: Self, b: Self) -> Bool { a.scene == b.scene }
}

/// The values `PredictionWriter` stores for a block of the scene, nodata applied: class
/// indices, probabilities and heatmaps as written (channel-major), and the block's input
/// pixels for the overlay. Blocks of a scene shared over processes are read back from the
/// parts in this form (`ScenePartMerge`), so the merged files are the ones one process writes.
public struct EncodedBlock {
  public enum Probabilities {
    case uint8([UInt8])
    case float([Float])
  }

  public let window: PixelWindow
  public var labels: [UInt8]
  public var probabilities: Probabilities?
  public var heatmaps: [UInt8]?
  public var image: RasterBuffer<Float>?
}

/// The files of one predicted scene (`PredictionFiles`), written block by block as
/// `PredictedBlock`s arrive: `<stem>.tif` class indices (uint8, tiled, deflate, the classes'
/// colour table, nodata 255, the input's CRS and geotransform) with its class names and
/// attribute table in `<stem>.tif.aux.xml`, `<stem>.png` colour preview, and on request
/// `<stem>_probabilities.tif` (one band per class, described `p(<class>)`), `<stem>_overlay.png`
/// (the image with the prediction blended in; needs the blocks' `image`), heatmaps:
/// `<stem>_heatmaps.tif` (band l·N + c = layer l, class c, probability × 254, 255 nodata,
/// described `layer <l+1> / <class>`) with `<stem>_heatmaps.png`, a labelled contact sheet of
/// downsampled heatmaps (`HeatmapSheet`), and `<stem>_polygons.<ext>`, the finished class
/// map's regions (`ClassPolygons`: whole across window edges). GeoTIFFs are COGs with
/// `cloudOptimized`. Completed as `SceneFiles` says: the class map, then its polygons, last.
/// A writer of `rows` writes that part of the scene only (its GeoTIFFs georeferenced there).
public final class PredictionWriter: SceneWriter {
  public static let nodata: UInt8 = 255

  public let scene: SceneReader
  public let classes: SegmentationClasses
  public let paths: PredictionFiles
  /// The scene rows written.
  public let rows: Range<Int>
  private let options: PredictionOptions
  private let classMap: GeoTIFFWriter
  private let probabilityMap: GeoTIFFWriter?
  private let heatmapMap: GeoTIFFWriter?
  /// Downsampled heatmaps, one plane per band of `heatmapMap`.
  private var heatmapPreview: [UInt8]
  private let step: Int
  private let previewSize: (width: Int, height: Int)
  private var preview: [UInt8]
  private var overlayPixels: [UInt8]
  private let colorTable: ColorTable
  private let probabilityClasses: [Int]

  public var files: SceneFiles { paths.scene }

  /// Opens the outputs (`SceneFiles.prepare`: an existing class map throws
  /// `InferenceError.outputExists` unless `options.force`).
  public init(
    scene: SceneReader, classes: SegmentationClasses, directory: String, stem: String, options: PredictionOptions, rows: Range<Int>? = nil
  ) throws {
    self.scene = scene
    self.classes = classes
    self.options = options
    let rows = rows ?? 0..<scene.height
    self.rows = rows
    let probabilityClasses = options.probabilityClasses ?? Array(0..<classes.count)
    self.probabilityClasses = probabilityClasses
    if let bad = probabilityClasses.first(where: { !(0..<classes.count).contains($0) }) {
      throw InferenceError.invalidArgument("probability class \(bad) is outside 0..<\(classes.count)")
    }
    guard !rows.isEmpty, rows.lowerBound >= 0, rows.upperBound <= scene.height else {
      throw InferenceError.invalidArgument("rows \(rows) are not within the \(scene.height) rows of \(scene.dataset.path)")
    }
    paths = PredictionFiles(directory: directory, stem: stem, options: options)
    try paths.scene.prepare(force: options.force)
    var entries = classes.palette.map { ColorTable.Entry($0.red, $0.green, $0.blue) }
    entries += Array(repeating: ColorTable.Entry(0, 0, 0, alpha: 0), count: 256 - entries.count)
    colorTable = ColorTable(entries)
    let (w, h) = (scene.width, rows.count)
    let geo = scene.dataset.geoReference?.window(x: 0, y: rows.lowerBound)
    // Every GeoTIFF in tile order: the bytes of a scene's files do not depend on how its
    // windows were cut or spread over processes.
    let cloudOptimized = options.cloudOptimized
    func ordered(_ overviews: Resampling, _ file: GeoTIFFOptions) -> GeoTIFFOptions {
      var file = file
      file.layout = cloudOptimized ? .cloudOptimized(overviews: overviews) : .geoTIFF
      file.tileOrdered = true
      return file
    }
    classMap = try GeoTIFFWriter(
      path: paths.classMap, width: w, height: h, bands: 1, dataType: .uint8,
      options: ordered(.mode, GeoTIFFOptions(nodata: Double(Self.nodata), colorTable: colorTable, geoReference: geo, classNames: classes.names)))
    if let type = options.probabilities, let path = paths.probabilities {
      probabilityMap = try GeoTIFFWriter(
        path: path, width: w, height: h, bands: probabilityClasses.count, dataType: type == .uint8 ? .uint8 : .float32,
        options: ordered(
          .average,
          GeoTIFFOptions(
            predictor: type == .uint8 ? 2 : 1, nbits: type == .uint8 ? nil : 16,
            nodata: type == .uint8 ? Double(Self.nodata) : Double.nan, geoReference: geo,
            bandDescriptions: probabilityClasses.map { "p(\(classes.names[$0]))" })))
    } else {
      probabilityMap = nil
    }
    let heatmapBands = options.heatmapLayers * classes.count
    heatmapMap = try paths.heatmapRaster.map { path in
      try GeoTIFFWriter(
        path: path, width: w, height: h, bands: heatmapBands, dataType: .uint8,
        options: ordered(
          .average,
          GeoTIFFOptions(
            predictor: 2, nodata: Double(Self.nodata), geoReference: geo,
            bandDescriptions: (1...options.heatmapLayers).flatMap { l in classes.names.map { "layer \(l) / \($0)" } })))
    }
    step = max(1, (max(w, h) + options.previewMaxSide - 1) / options.previewMaxSide)
    previewSize = options.previews ? ((w + step - 1) / step, (h + step - 1) / step) : (0, 0)
    preview = [UInt8](repeating: Self.nodata, count: previewSize.width * previewSize.height)
    heatmapPreview = [UInt8](repeating: Self.nodata, count: heatmapBands * previewSize.width * previewSize.height)
    overlayPixels = options.overlay ? [UInt8](repeating: 0, count: 3 * previewSize.width * previewSize.height) : []
  }

  /// Writes a finished block: its logits, heatmaps (when the options ask for them) and, for the
  /// overlay, its image.
  public func write(_ block: PredictedBlock) throws {
    try write(try encode(block))
  }

  /// What a block's logits, heatmaps and nodata make of each file's pixels.
  private func encode(_ block: PredictedBlock) throws -> EncodedBlock {
    let (width, count) = (block.width, block.height)
    let nodata = block.nodata
    if options.overlay && options.previews && block.image == nil {
      throw InferenceError.invalidArgument("the overlay needs the blocks' input pixels (SlidingWindowOptions.blockImage)")
    }
    let logits = block.logits
    var encoded = EncodedBlock(
      window: PixelWindow(x: block.x, y: block.y, width: width, height: count),
      labels: try logits.argmax(dim: 0).to(.uint8).scalars(as: UInt8.self), image: block.image)
    if let nodata { for i in encoded.labels.indices where nodata[i] { encoded.labels[i] = Self.nodata } }

    /// The block's channel-major `values` with `fill` at its nodata pixels.
    func masked<T>(_ values: [T], bands: Int, fill: T) -> [T] {
      guard let nodata else { return values }
      var values = values
      let plane = width * count
      for c in 0..<bands { for i in 0..<plane where nodata[i] { values[c * plane + i] = fill } }
      return values
    }
    if let type = options.probabilities {
      var p = try logits.softmax(dim: 0)
      if probabilityClasses != Array(0..<classes.count) {
        p = try p.indexSelect(dim: 0, index: Tensor(probabilityClasses.map(Int64.init)))
      }
      let bands = probabilityClasses.count
      switch type {
      case .uint8: encoded.probabilities = .uint8(masked(try (p * 254).round().to(.uint8).scalars(as: UInt8.self), bands: bands, fill: Self.nodata))
      case .float16: encoded.probabilities = .float(masked(try p.scalars(as: Float.self), bands: bands, fill: .nan))
      }
    }
    if let heatmapMap {
      guard let heatmaps = block.heatmaps, heatmaps.shape[0] == heatmapMap.bands else {
        throw InferenceError.invalidArgument("the blocks carry no heatmaps of \(options.heatmapLayers) layers (SlidingWindowOptions.heatmaps)")
      }
      encoded.heatmaps = masked(try (heatmaps * 254).round().to(.uint8).scalars(as: UInt8.self), bands: heatmapMap.bands, fill: Self.nodata)
    }
    return encoded
  }

  /// Writes a block's encoded values (at scene coordinates) into each file and the previews.
  public func write(_ block: EncodedBlock) throws {
    let (x, width, count) = (block.window.x, block.window.width, block.window.height)
    let y = block.window.y - rows.lowerBound
    try classMap.write(RasterBuffer(width: width, height: count, bands: 1, values: block.labels), x: x, y: y)
    if let probabilityMap {
      let bands = probabilityMap.bands
      switch block.probabilities {
      case .uint8(let values): try probabilityMap.write(RasterBuffer(width: width, height: count, bands: bands, values: values), x: x, y: y)
      case .float(let values): try probabilityMap.write(RasterBuffer(width: width, height: count, bands: bands, values: values), x: x, y: y)
      case nil: throw InferenceError.invalidArgument("a block without the probabilities of \(paths.probabilities ?? "")")
      }
    }
    if let heatmapMap {
      guard let values = block.heatmaps else { throw InferenceError.invalidArgument("a block without the heatmaps of \(paths.heatmapRaster ?? "")") }
      let bands = heatmapMap.bands
      try heatmapMap.write(RasterBuffer(width: width, height: count, bands: bands, values: values), x: x, y: y)
      let (previewPlane, blockPlane) = (previewSize.width * previewSize.height, width * count)
      forEachPreviewPixel(of: block.window) { i, p in
        for b in 0..<bands { heatmapPreview[b * previewPlane + p] = values[b * blockPlane + i] }
      }
    }
    sample(block)
  }

  /// Calls `body` with (index in the block, index in a preview plane) for each block pixel the
  /// previews keep: every `step`-th pixel of every `step`-th row of the scene.
  private func forEachPreviewPixel(of block: PixelWindow, _ body: (Int, Int) -> Void) {
    guard options.previews else { return }
    let firstColumn = (block.x + step - 1) / step * step
    for r in 0..<block.height where (block.y + r) % step == 0 {
      let row = (block.y + r) / step * previewSize.width
      for column in Swift.stride(from: firstColumn, to: block.x + block.width, by: step) {
        body(r * block.width + column - block.x, row + column / step)
      }
    }
  }

  /// Closes and renames every file into place, writing the previews; the class map, then its
  /// polygons, last.
  public func finish() throws {
    try probabilityMap?.finish()
    try heatmapMap?.finish()
    let (pw, ph) = previewSize
    if let path = paths.preview {
      try PNGWriter.write(RasterBuffer(width: pw, height: ph, bands: 1, values: preview), to: path, colorTable: colorTable)
    }
    if let path = paths.overlay {
      var overlay = RasterBuffer(width: pw, height: ph, bands: 3, values: overlayPixels)
      if let caption = options.caption { BitmapFont.caption(caption, on: &overlay, scale: max(1, pw / 400)) }
      try PNGWriter.write(overlay, to: path)
    }
    if let path = paths.heatmapSheet {
      try PNGWriter.write(HeatmapSheet.draw(planes: heatmapPreview, width: pw, height: ph, classNames: classes.names), to: path)
    }
    try classMap.finish()
    if let polygons = options.polygons, let path = paths.polygons {
      try ClassPolygons.write(classRaster: paths.classMap, classNames: classes.names, to: path, options: polygons)
    }
  }

  /// Keeps the preview pixels of a block's labels and, for the overlay, of its image.
  private func sample(_ block: EncodedBlock) {
    let plane = previewSize.width * previewSize.height
    forEachPreviewPixel(of: block.window) { i, p in
      let label = block.labels[i]
      preview[p] = label
      guard options.overlay, let pixels = block.image else { return }
      let tinted = label < classes.count && options.overlayClasses?.contains(Int(label)) != false
      for c in 0..<3 {
        let image = UInt8(clamping: Int(pixels.values[min(c, pixels.bands - 1) * pixels.pixelCount + i].rounded()))
        let colour = tinted ? [classes.palette[Int(label)].red, classes.palette[Int(label)].green, classes.palette[Int(label)].blue][c] : image
        overlayPixels[c * plane + p] = UInt8((Int(image) + Int(colour)) / 2)
      }
    }
  }
}
