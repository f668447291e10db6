import Foundation
import RSSegModels

/// The Dubai aerial sample (shared/data/dubai_aerial): `data/tile_<N>/images/*.jpg` with colour
/// masks `data/tile_<N>/masks/*.png` of the same stem (some palette-mode). Colours follow its
/// labels.json; black is ignore. Tiles 1–5 are for training, tile 6 for testing.
public enum DubaiAerial {
  public enum Split: String, Sendable, CaseIterable { case train, test }

  public static let trainTiles = [1, 2, 3, 4, 5]
  public static let testTiles = [6]

  /// `root` is the dataset folder (holding `data/`) or its `data/` folder.
  public static func dataset(root: URL, split: Split) throws -> SegmentationDataset {
    let data = FileManager.default.fileExists(atPath: root.appendingPathComponent("data/tile_1").path)
      ? root.appendingPathComponent("data") : root
    var samples: [SegmentationSample] = []
    for tile in split == .train ? trainTiles : testTiles {
      let folder = data.appendingPathComponent("tile_\(tile)")
      for image in try listFiles(in: folder.appendingPathComponent("images"), extensions: ["jpg", "jpeg"], what: "Dubai aerial images") {
        let mask = folder.appendingPathComponent("masks").appendingPathComponent(stem(image) + ".png")
        guard FileManager.default.fileExists(atPath: mask.path) else {
          throw DataError.layout(path: mask.path, problem: "mask of \(image.path) not found")
        }
        samples.append(SegmentationSample(name: "tile\(tile)_\(stem(image))", imagePath: image.path, maskPath: mask.path))
      }
    }
    return SegmentationDataset(samples: samples, classes: .dubaiAerial, encoding: .dubaiAerialColors)
  }
}
