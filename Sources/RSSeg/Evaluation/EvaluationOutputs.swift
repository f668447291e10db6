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

  /// The row-normalised confusion matrix as a picture that needs no legend: `title` on top
  /// (dataset, model, split), "ground truth" and the class names down the left (rows), "prediction"
  /// and the class names up the columns, each cell shaded from white (0 %) to dark blue (100 %
  /// of its row) with its percentage written in it.
  public static func writeConfusionImage(
    _ matrix: ConfusionMatrix, classNames: [String], title: String, to path: String, cell: Int = 48
  ) throws {
    let n = matrix.classes
    let (advance, line, glyph) = (BitmapFont.advance, BitmapFont.lineHeight, BitmapFont.glyphHeight)
    let margin = 8
    let nameWidth = classNames.map { BitmapFont.width(of: $0) }.max() ?? 0
    let grid = n * cell + n + 1
    let left = margin + line + 4 + nameWidth + 4  // the grid's left edge: axis label, names
    let titleLines = BitmapFont.wrap(title, maxWidth: max(grid + left - 2 * margin, 20 * advance))
    let top = margin + titleLines.count * line + 4 + line + nameWidth + 4  // title, axis label, names
    let (width, height) = (max(left + grid, BitmapFont.width(of: title) + 2 * margin) + margin, top + grid + margin)
    var image = RasterBuffer<UInt8>(width: width, height: height, bands: 3, filledWith: 255)
    let (black, grey) = ([UInt8](repeating: 0, count: 3), [UInt8](repeating: 160, count: 3))
    for (k, text) in titleLines.enumerated() { BitmapFont.draw(text, into: &image, x: margin, y: margin + k * line, color: black) }
    let axisY = margin + titleLines.count * line + 4
    BitmapFont.draw("prediction", into: &image, x: left + (grid - BitmapFont.width(of: "prediction")) / 2, y: axisY, color: black)
    BitmapFont.drawUpward(
      "ground truth", into: &image, x: margin, y: top + (grid + BitmapFont.width(of: "ground truth")) / 2, color: black)
    for y in top..<(top + grid) { for x in left..<(left + grid) { for b in 0..<3 { image[b, y, x] = grey[b] } } }
    for (r, row) in matrix.rowNormalized.enumerated() {
      let cellTop = top + 1 + r * (cell + 1)
      let name = classNames[r]
      BitmapFont.draw(name, into: &image, x: left - 4 - BitmapFont.width(of: name), y: cellTop + (cell - glyph) / 2, color: black)
      for (c, v) in row.enumerated() {
        let cellLeft = left + 1 + c * (cell + 1)
        let shade = [UInt8(255 - 247 * v), UInt8(255 - 207 * v), UInt8(255 - 148 * v)]
        for y in cellTop..<(cellTop + cell) { for x in cellLeft..<(cellLeft + cell) { for b in 0..<3 { image[b, y, x] = shade[b] } } }
        let text = String(format: "%.1f", 100 * v)
        BitmapFont.draw(
          text, into: &image, x: cellLeft + (cell - BitmapFont.width(of: text)) / 2, y: cellTop + (cell - glyph) / 2,
          color: [UInt8](repeating: v > 0.5 ? 255 : 0, count: 3))
      }
    }
    for (c, name) in classNames.enumerated() {
      let x = left + 1 + c * (cell + 1) + (cell - glyph) / 2
      BitmapFont.drawUpward(name, into: &image, x: x, y: top - 4, color: black)
    }
    try writing(path) { try PNGWriter.write(image, to: path) }
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
