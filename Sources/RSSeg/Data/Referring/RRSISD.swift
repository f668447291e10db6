import Foundation
import RSSegModels
import Torch

/// RRSIS-D in its official layout (the refer toolkit's): `rrsisd/refs(unc).p` (a pickled list
/// of refs: `ref_id`, `ann_id`, `image_id`, `split`, `sentences` [{`raw`, `sent`, `sent_id`}]),
/// `rrsisd/instances.json` (COCO, with polygon, RLE or compressed-RLE segmentations) and the
/// images under `images/rrsisd/JPEGImages/`. 17,402 sentences: 12,181 / 1,740 / 3,481 for
/// train / val / test.
public enum RRSISD {
  public static let refsFile = "rrsisd/refs(unc).p"
  public static let instancesFile = "rrsisd/instances.json"
  public static let imageFolder = "images/rrsisd/JPEGImages"

  /// The refs of `split` under `root`, with their masks' runs decoded and checked.
  /// - Throws: `DataError.layout` for missing or malformed annotation files; `DataError.badSample`
  ///   naming the file for a bad ref (unknown split, missing annotation or image, broken
  ///   segmentation, size mismatch) unless `options.skipBad` turns it into a warning.
  public static func dataset(root: URL, split: ReferringSplit, options: ReferringOptions = .init()) throws -> ReferringDataset {
    let refsPath = root.appendingPathComponent(refsFile).path
    let instancesPath = root.appendingPathComponent(instancesFile).path
    guard FileManager.default.fileExists(atPath: refsPath) else {
      throw DataError.layout(path: refsPath, problem: "RRSIS-D refs file not found (expected <root>/\(refsFile))")
    }
    let refs: [CheckpointValue]
    do {
      guard case .list(let list) = try Pickle.read(refsPath) else {
        throw DataError.layout(path: refsPath, problem: "not a list of refs")
      }
      refs = list
    } catch let error as TorchError {
      throw DataError.layout(path: refsPath, problem: "unreadable pickle: \(error)")
    }
    let coco = try COCOInstances(contentsOf: URL(fileURLWithPath: instancesPath))
    let images = root.appendingPathComponent(imageFolder)
    var collector = ReferringCollector(skipBad: options.skipBad)
    var sizes: [String: (Int, Int)] = [:]
    for (index, ref) in refs.enumerated() {
      try collector.add {
        let refID = try int(ref, "ref_id", index: index, path: refsPath)
        let name = "ref \(refID)"
        guard case .string(let splitName)? = ref["split"], let refSplit = ReferringSplit(rawValue: splitName) else {
          throw DataError.badSample(
            path: refsPath, problem: "\(name) has split \(ref["split"].map(describe) ?? "(none)"); expected train, val or test")
        }
        guard refSplit == split else { return nil }
        let annID = try int(ref, "ann_id", index: index, path: refsPath)
        guard let annotation = coco.annotations[annID] else {
          throw DataError.badSample(path: instancesPath, problem: "annotation \(annID) of \(name) not found")
        }
        // refer.py takes the image from the ref and the mask from its annotation: they must agree.
        if case .int(let refImage)? = ref["image_id"], refImage != annotation.imageID {
          throw DataError.badSample(
            path: refsPath, problem: "\(name) names image \(refImage) but its annotation \(annID) is on image \(annotation.imageID)")
        }
        guard let image = coco.images[annotation.imageID] else {
          throw DataError.badSample(path: instancesPath, problem: "image \(annotation.imageID) of annotation \(annID) (\(name)) not found")
        }
        guard !image.fileName.isEmpty, !image.fileName.hasPrefix("/"), !image.fileName.split(separator: "/").contains("..") else {
          throw DataError.badSample(path: instancesPath, problem: "image \(image.id) has file name '\(image.fileName)' outside \(imageFolder)")
        }
        let imagePath = images.appendingPathComponent(image.fileName).path
        guard FileManager.default.fileExists(atPath: imagePath) else {
          throw DataError.badSample(path: imagePath, problem: "image of \(name) not found")
        }
        if options.checkImageSizes {
          let size = try ReferringImages.headerSize(imagePath, cache: &sizes)
          guard size.width == image.width, size.height == image.height else {
            throw DataError.badSample(
              path: imagePath, problem: "image is \(size.width)×\(size.height) but \(instancesFile) says \(image.width)×\(image.height)")
          }
        }
        let rles = try annotation.segmentation.rles(
          height: image.height, width: image.width, source: "\(instancesPath) annotation \(annID) (\(name))")
        return ReferringObject(
          id: String(refID), imagePath: imagePath, target: .rle(rles),
          sentences: try sentences(ref, name: name, path: refsPath))
      }
    }
    return ReferringDataset(objects: collector.objects, size: options.size, warnings: collector.warnings)
  }

  private static func sentences(_ ref: CheckpointValue, name: String, path: String) throws -> [ReferringSentence] {
    guard case .list(let items)? = ref["sentences"], !items.isEmpty else {
      throw DataError.badSample(path: path, problem: "\(name) has no sentences")
    }
    return try items.map { item in
      guard case .int(let id)? = item["sent_id"], case .string(let text)? = item["raw"] ?? item["sent"] else {
        throw DataError.badSample(path: path, problem: "\(name) has a sentence without sent_id and raw text")
      }
      return ReferringSentence(id: id, text: text)
    }
  }

  private static func int(_ ref: CheckpointValue, _ key: String, index: Int, path: String) throws -> Int {
    guard case .int(let value)? = ref[key] else {
      throw DataError.badSample(path: path, problem: "ref at position \(index) has no integer \(key)")
    }
    return value
  }

  private static func describe(_ value: CheckpointValue) -> String {
    if case .string(let s) = value { return "'\(s)'" }
    return "\(value)"
  }
}
