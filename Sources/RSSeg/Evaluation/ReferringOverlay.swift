import Raster
import RSSegModels

/// A picture of one referring prediction: the image with the predicted mask tinted red, the
/// target's outline in green and the sentence written across the top. Images narrower than
/// `minWidth` are enlarged (nearest neighbour, a whole factor) so the sentence stays legible.
public enum ReferringOverlay {
  public static let minWidth = 240

  /// - Parameters:
  ///   - pixels: the RGB image (band-sequential) and its target mask (1 = target).
  ///   - prediction: row-major 0/1, the image's size.
  public static func render(_ pixels: LabeledImage, prediction: [UInt8], sentence: String) -> RasterBuffer<UInt8> {
    let (w, h) = (pixels.width, pixels.height)
    let k = max(1, (minWidth + w - 1) / w)
    var out = RasterBuffer<UInt8>(width: w * k, height: h * k, bands: 3, filledWith: 0)
    let plane = w * h
    func target(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < w && y < h && pixels.mask[y * w + x] != 0 }
    for y in 0..<h {
      for x in 0..<w {
        let p = y * w + x
        var rgb = (0..<3).map { Double(pixels.image[$0 * plane + p]) }
        if prediction[p] != 0 { rgb = [0.45 * rgb[0] + 0.55 * 255, 0.45 * rgb[1] + 0.55 * 40, 0.45 * rgb[2] + 0.55 * 40] }
        let edge = target(x, y) && !(target(x - 1, y) && target(x + 1, y) && target(x, y - 1) && target(x, y + 1))
        if edge { rgb = [40, 230, 60] }
        for b in 0..<3 {
          let value = UInt8(max(0, min(255, rgb[b].rounded())))
          for dy in 0..<k { for dx in 0..<k { out[b, y * k + dy, x * k + dx] = value } }
        }
      }
    }
    BitmapFont.caption(sentence, on: &out, scale: max(1, out.width / 480))
    return out
  }
}
