import Foundation
import Raster
import RSSegModels

/// Files `rsseg evaluate` writes: predicted masks, the confusion-matrix image and its legend,
/// and the LoveDA submission archive.
public enum EvaluationOutputs {
  public enum MaskStyle: String, Sendable, CaseIterable {
    /// Single-band class indices with the palette as colour table.
    case index
    /// Three-band RGB in the palette's colours.
    case color
  }

  /// Writes `prediction` (width × height class indices) as `<folder>/<name>.png`.
  public static func writeMask(
    _ prediction: [UInt8], width: Int, height: Int, classes: SegmentationClasses, style: MaskStyle, to path: String
  ) throws {
    try writing(path) {
      switch style {
      case .index:
        try PNGWriter.write(
          RasterBuffer(width: width, height: height, bands: 1, values: prediction), to: path,
          colorTable: ColorTable(rgb: classes.palette.map { ($0.red, $0.green, $0.blue) }))
      case .color:
        let n = width * height
        var rgb = [UInt8](repeating: 0, count: 3 * n)
        for i in 0..<n {
          let c = classes.palette[Int(prediction[i])]
          (rgb[i], rgb[n + i], rgb[2 * n + i]) = (c.red, c.green, c.blue)
        }
        try PNGWriter.write(RasterBuffer(width: width, height: height, bands: 3, values: rgb), to: path)
      }
    }
  }

  /// The row-normalised confusion matrix as a PNG: each cell a `cell`-pixel square shaded from
  /// white (0) to dark blue (1), a 1-pixel grey grid between cells. Row r is ground-truth class r,
  /// column c predicted class c, in class order; the class names are in the legend text (no text
  /// rendering in images).
  public static func writeConfusionImage(_ matrix: ConfusionMatrix, to path: String, cell: Int = 48) throws {
    let n = matrix.classes, side = n * cell + n + 1
    var rgb = [UInt8](repeating: 160, count: 3 * side * side)
    let plane = side * side
    for (r, row) in matrix.rowNormalized.enumerated() {
      for (c, v) in row.enumerated() {
        let color = (UInt8(255 - 247 * v), UInt8(255 - 207 * v), UInt8(255 - 148 * v))
        for y in 0..<cell {
          for x in 0..<cell {
            let p = (1 + r * (cell + 1) + y) * side + 1 + c * (cell + 1) + x
            (rgb[p], rgb[plane + p], rgb[2 * plane + p]) = color
          }
        }
      }
    }
    try writing(path) { try PNGWriter.write(RasterBuffer(width: side, height: side, bands: 3, values: rgb), to: path) }
  }

  /// The legend of `writeConfusionImage`: axes, class order and the normalised values.
  public static func confusionLegend(_ matrix: ConfusionMatrix, classNames: [String]) -> String {
    var lines = [
      "confusion.png: rows = ground truth, columns = prediction, each row divided by its sum;",
      "white = 0, dark blue = 1. Classes top to bottom and left to right:",
    ]
    for (i, name) in classNames.enumerated() { lines.append("  \(i): \(name)") }
    lines.append("")
    lines.append("row-normalised values (%):")
    lines.append("truth \\ pred\t" + classNames.joined(separator: "\t"))
    for (r, row) in matrix.rowNormalized.enumerated() {
      lines.append(classNames[r] + "\t" + row.map { String(format: "%.2f", 100 * $0) }.joined(separator: "\t"))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Collects single-band PNGs with values 0–6 named like the images (spec §5) into a zip.
  public struct LoveDASubmission {
    private var zip = StoredZipWriter()
    private let scratch: URL

    public init() throws {
      scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-loveda-\(UUID().uuidString)")
      try makeFolder(scratch)
    }

    /// Adds the prediction of the image file called `imageName` (e.g. "3514.png").
    public mutating func add(imageName: String, prediction: [UInt8], width: Int, height: Int) throws {
      let name = (imageName as NSString).deletingPathExtension + ".png"
      let path = scratch.appendingPathComponent(name).path
      try writing(path) { try PNGWriter.write(RasterBuffer(width: width, height: height, bands: 1, values: prediction), to: path) }
      zip.add(name: name, contents: try Data(contentsOf: URL(fileURLWithPath: path)))
      try? FileManager.default.removeItem(atPath: path)
    }

    public func write(to path: String) throws {
      try zip.write(to: path)
      try? FileManager.default.removeItem(at: scratch)
    }
  }
}
