import Foundation
import RSSegModels

/// The Dubai aerial sample (shared/data/dubai_aerial): `data/tile_<N>/images/*.jpg` with colour
/// masks `data/tile_<N>/masks/*.png` of the same stem (some palette-mode). Colours follow its
/// labels.json; black is ignore. Tiles 1–5 are for training, tile 6 for testing; the last
/// image of each training tile (in name order) is held out as the validation split that selects
/// checkpoints, so the test tile never takes part in training.
public enum DubaiAerial {
  public enum Split: String, Sendable, CaseIterable {
    /// Tiles 1–5 without their last image: 40 images.
    case train
    /// The last image of each of tiles 1–5: 5 images.
    case val
    /// Tile 6: 9 images.
    case test
  }

  public static let trainTiles = [1, 2, 3, 4, 5]
  public static let testTiles = [6]

  /// `root` is the dataset folder (holding `data/`) or its `data/` folder.
  public static func dataset(root: URL, split: Split) throws -> SegmentationDataset {
    let data = FileManager.default.fileExists(atPath: root.appendingPathComponent("data/tile_1").path)
      ? root.appendingPathComponent("data") : root
    var samples: [SegmentationSample] = []
    for tile in split == .test ? testTiles : trainTiles {
      let folder = data.appendingPathComponent("tile_\(tile)")
      let images = try listFiles(in: folder.appendingPathComponent("images"), extensions: ["jpg", "jpeg"], what: "Dubai aerial images")
      let chosen = switch split {
      case .train: images.dropLast()
      case .val: images.suffix(1)
      case .test: images[...]
      }
      for image in chosen {
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
