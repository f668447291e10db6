import Foundation
import Raster
import RSSegModels

extension PredictionWriter {
  /// The parts of a predicted scene shared over processes: each part holds the GeoTIFFs of its
  /// rows (class map, probabilities, heatmaps; no PNGs, polygons or COG layout). Merging writes
  /// a VRT of the parts beside each GeoTIFF (`<stem>.vrt`, `<stem>_probabilities.vrt`,
  /// `<stem>_heatmaps.vrt`) and, unless `merged` is off, replays the parts' pixels through a
  /// `PredictionWriter` of the whole scene: the scene's files are the ones one process writes,
  /// previews, overlay, polygons and COG included.
  public static func parts(
    classes: SegmentationClasses, directory: String, options: PredictionOptions, merged: Bool = true
  ) -> SceneParts {
    var partOptions = options
    partOptions.previews = false
    partOptions.polygons = nil
    partOptions.cloudOptimized = false
    partOptions.force = true  // a part without all its files is what an interrupted run left
    func files(_ part: ScenePart) -> PredictionFiles { PredictionFiles(directory: part.directory, stem: part.stem, options: partOptions) }
    return SceneParts(
      files: { files($0).scene },
      makeWriter: { reader, part in
        try FileManager.default.createDirectory(atPath: part.directory, withIntermediateDirectories: true)
        return try PredictionWriter(
          scene: reader, classes: classes, directory: part.directory, stem: part.stem, options: partOptions, rows: part.rows)
      },
      merge: { reader, scene, parts in
        let partFiles = parts.map(files)
        let out = URL(fileURLWithPath: directory)
        func stack(_ path: (PredictionFiles) -> String?, _ suffix: String) throws -> RasterDataset? {
          let sources = partFiles.compactMap(path)
          guard !sources.isEmpty else { return nil }
          let vrt = out.appendingPathComponent(scene.stem + suffix).path
          try VirtualRaster.stack(parts: sources, to: vrt)
          return try RasterDataset(path: vrt)
        }
        let classMap = try stack({ $0.classMap }, ".vrt")!
        let probabilities = try stack({ $0.probabilities }, "_probabilities.vrt")
        let heatmaps = try stack({ $0.heatmapRaster }, "_heatmaps.vrt")
        guard merged else { return }
        let writer = try PredictionWriter(scene: reader, classes: classes, directory: directory, stem: scene.stem, options: options)
        // Strips of whole rows, about 32 MB of values each.
        let bytesPerRow = reader.width * (1 + 4 * (probabilities?.bandCount ?? 0) + (heatmaps?.bandCount ?? 0) + 4 * reader.bands.count)
        let stripRows = max(1, (32 << 20) / bytesPerRow)
        for y in stride(from: 0, to: reader.height, by: stripRows) {
          let window = PixelWindow(x: 0, y: y, width: reader.width, height: min(stripRows, reader.height - y))
          var block = EncodedBlock(
            window: window, labels: try classMap.read(UInt8.self, window: window).values,
            heatmaps: try heatmaps?.read(UInt8.self, window: window).values,
            image: options.overlay ? try reader.read(window).pixels : nil)
          if let probabilities {
            block.probabilities = options.probabilities == .float16
              ? .float(try probabilities.read(Float.self, window: window).values)
              : .uint8(try probabilities.read(UInt8.self, window: window).values)
          }
          try writer.write(block)
        }
        try writer.finish()
      })
  }
}
