import Raster
import Torch

/// A finished block of a scene, columns `x ..< x + width` of rows `y ..< y + height`, with what
/// every writer needs so that none reads the scene again.
public struct PredictedBlock {
  public let x: Int
  public let y: Int
  /// Blended logits `[N, height, width]` (float32).
  public let logits: Tensor
  /// Blended heatmaps `[L·N, height, width]` (channel l·N + c = layer l, class c), when asked for.
  public let heatmaps: Tensor?
  /// The block's nodata mask (`height × width`, true = nodata); nil when the scene has none.
  public let nodata: [Bool]?
  /// The block's input pixels `[C, height, width]`, when asked for (overlays).
  public let image: RasterBuffer<Float>?

  public init(x: Int, y: Int, logits: Tensor, heatmaps: Tensor? = nil, nodata: [Bool]? = nil, image: RasterBuffer<Float>? = nil) {
    self.x = x
    self.y = y
    self.logits = logits
    self.heatmaps = heatmaps
    self.nodata = nodata
    self.image = image
  }

  public var width: Int { logits.shape[2] }
  public var height: Int { logits.shape[1] }
  /// The scene pixels the block covers.
  public var window: PixelWindow { PixelWindow(x: x, y: y, width: width, height: height) }
}
