import Raster

/// The contact sheet of a scene's heatmaps, a picture that needs no legend: one downsampled
/// panel per (layer, class), layers in rows labelled "layer 1…L", classes in columns headed by
/// their names, values 0…254 (probability × 254) in the viridis colour map with a colour scale
/// from 0 to 1 below, nodata (255) in grey.
enum HeatmapSheet {
  static let gap = 4
  static let margin = 6

  /// `planes` holds the `width × height` panels one after the other, panel l·N + c being layer l,
  /// class c.
  static func draw(planes: [UInt8], width pw: Int, height ph: Int, classNames: [String]) -> RasterBuffer<UInt8> {
    let scale = max(1, min(pw, ph) / 150)  // text and scale grow with the panels
    let (advance, line) = (BitmapFont.advance * scale, BitmapFont.lineHeight * scale)
    let columns = classNames.count, rows = planes.count / max(columns * pw * ph, 1)
    let labelWidth = BitmapFont.width(of: "layer \(rows)", scale: scale) + advance
    let header = line + 2
    let gridWidth = columns * (pw + gap) - gap
    let scaleWidth = min(256 * scale, max(gridWidth, 4 * advance))
    let barHeight = 8 * scale
    let width = margin + labelWidth + max(gridWidth, scaleWidth) + margin
    let gridTop = margin + header
    let scaleTop = gridTop + rows * (ph + gap)
    let height = scaleTop + barHeight + 2 + line + margin
    var sheet = RasterBuffer<UInt8>(width: width, height: height, bands: 3, filledWith: 255)
    let black: [UInt8] = [0, 0, 0]
    func paint(_ x: Int, _ y: Int, _ value: UInt8) {
      let (r, g, b) = value == PredictionWriter.nodata ? (160, 160, 160) : ColorMap.viridis[Int(value)]
      (sheet[0, y, x], sheet[1, y, x], sheet[2, y, x]) = (r, g, b)
    }
    let left = margin + labelWidth
    for (c, name) in classNames.enumerated() {
      let fitting = String(name.prefix(max(1, (pw + scale) / advance)))
      BitmapFont.draw(fitting, into: &sheet, x: left + c * (pw + gap), y: margin, scale: scale, color: black)
    }
    for l in 0..<rows {
      let top = gridTop + l * (ph + gap)
      BitmapFont.draw(
        "layer \(l + 1)", into: &sheet, x: margin, y: top + max(0, (ph - BitmapFont.glyphHeight * scale) / 2), scale: scale, color: black)
      for c in 0..<columns {
        let (base, ox) = ((l * columns + c) * pw * ph, left + c * (pw + gap))
        for y in 0..<ph { for x in 0..<pw { paint(ox + x, top + y, planes[base + y * pw + x]) } }
      }
    }
    for x in 0..<scaleWidth {
      let value = UInt8(x * 254 / max(scaleWidth - 1, 1))
      for y in scaleTop..<(scaleTop + barHeight) { paint(left + x, y, value) }
    }
    BitmapFont.draw("0", into: &sheet, x: left, y: scaleTop + barHeight + 2, scale: scale, color: black)
    BitmapFont.draw("1", into: &sheet, x: left + scaleWidth - BitmapFont.width(of: "1", scale: scale), y: scaleTop + barHeight + 2, scale: scale, color: black)
    return sheet
  }
}
