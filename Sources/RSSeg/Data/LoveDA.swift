import Foundation
import RSSegModels

/// LoveDA's official layout: `<root>/{Train,Val,Test}/{Urban,Rural}/images_png/*.png` with masks
/// of the same names in `masks_png` (values 0 no-data, 1...7 classes; none for Test).
/// `rsseg prepare loveda` writes the same layout with masks in `masks_png_convert` holding class
/// indices 0...6 and ignore 7.
public enum LoveDA {
  public enum Split: String, Sendable, CaseIterable {
    case train = "Train", val = "Val", test = "Test"
    var hasMasks: Bool { self != .test }
  }

  public enum Domain: String, Sendable, CaseIterable { case urban = "Urban", rural = "Rural" }

  static let imageFolder = "images_png"
  static let rawMaskFolder = "masks_png"
  static let preparedMaskFolder = "masks_png_convert"

  /// The samples of `split` (both domains by default), from the raw release (`prepared: false`,
  /// masks decoded on the fly) or from `rsseg prepare` output.
  public static func dataset(root: URL, split: Split, domains: [Domain] = Domain.allCases, prepared: Bool) throws -> SegmentationDataset {
    var samples: [SegmentationSample] = []
    for domain in domains {
      samples += try pairs(root: root, split: split, domain: domain, maskFolder: prepared ? preparedMaskFolder : rawMaskFolder)
    }
    return SegmentationDataset(
      samples: samples, classes: .loveDA, encoding: prepared ? .indices(.loveDA) : .loveDAValues)
  }

  /// Images of one split/domain and their masks (checked to exist for labelled splits).
  static func pairs(root: URL, split: Split, domain: Domain, maskFolder: String) throws -> [SegmentationSample] {
    let folder = root.appendingPathComponent(split.rawValue).appendingPathComponent(domain.rawValue)
    let images = try listFiles(
      in: folder.appendingPathComponent(imageFolder), extensions: ["png"],
      what: "LoveDA images \(split.rawValue)/\(domain.rawValue)/\(imageFolder)/*.png")
    let masks = folder.appendingPathComponent(maskFolder)
    return try images.map { image in
      guard split.hasMasks else { return SegmentationSample(name: stem(image), imagePath: image.path, maskPath: nil) }
      let mask = masks.appendingPathComponent(image.lastPathComponent)
      guard FileManager.default.fileExists(atPath: mask.path) else {
        throw DataError.layout(path: mask.path, problem: "mask of \(image.path) not found")
      }
      return SegmentationSample(name: stem(image), imagePath: image.path, maskPath: mask.path)
    }
  }
}
