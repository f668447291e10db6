import Foundation
import RSSegModels

/// RefSegRS: `images/<id>.tif`, `masks/<id>.tif` (target = value > 50) and
/// `output_phrase_{train,val,test}.txt` with lines `<id> <sentence>`. Lines of one id share its
/// mask, so they are one object with several sentences. 4,420 samples: 2,172 / 431 / 1,817.
public enum RefSegRS {
  /// Mask values above this are the target.
  public static let maskThreshold: UInt8 = 50

  public static func phraseFile(_ split: ReferringSplit) -> String { "output_phrase_\(split.rawValue).txt" }

  /// - Throws: `DataError.layout` for a missing phrase file; `DataError.badSample` naming the
  ///   file for a malformed line, a missing image or mask or a size mismatch, unless
  ///   `options.skipBad` turns it into a warning.
  public static func dataset(root: URL, split: ReferringSplit, options: ReferringOptions = .init()) throws -> ReferringDataset {
    let phrases = root.appendingPathComponent(phraseFile(split)).path
    guard let data = FileManager.default.contents(atPath: phrases) else {
      throw DataError.layout(path: phrases, problem: "RefSegRS phrase file not found (expected <root>/\(phraseFile(split)))")
    }
    let text = String(decoding: data, as: UTF8.self)
    var order: [String] = []
    var sentences: [String: [ReferringSentence]] = [:]
    var collector = ReferringCollector(skipBad: options.skipBad)
    var sentenceID = 0
    for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
      if line.isEmpty { continue }
      try collector.add {
        guard let space = line.firstIndex(where: \.isWhitespace), !line[..<space].contains("/"), line[..<space] != ".." else {
          throw DataError.badSample(path: phrases, problem: "line \(number + 1) is not '<id> <sentence>'")
        }
        let id = String(line[..<space])
        let sentence = line[space...].trimmingCharacters(in: .whitespaces)
        if sentences[id] == nil { order.append(id) }
        sentences[id, default: []].append(ReferringSentence(id: sentenceID, text: sentence))
        sentenceID += 1
        return nil
      }
    }
    var sizes: [String: (Int, Int)] = [:]
    for id in order {
      try collector.add {
        let image = root.appendingPathComponent("images/\(id).tif").path
        let mask = root.appendingPathComponent("masks/\(id).tif").path
        for (path, what) in [(image, "image"), (mask, "mask")] where !FileManager.default.fileExists(atPath: path) {
          throw DataError.badSample(path: path, problem: "\(what) of RefSegRS sample \(id) not found")
        }
        if options.checkImageSizes {
          let imageSize = try ReferringImages.headerSize(image, cache: &sizes)
          let maskSize = try ReferringImages.headerSize(mask, cache: &sizes)
          guard imageSize == maskSize else {
            throw DataError.badSample(
              path: mask, problem: "mask is \(maskSize.width)×\(maskSize.height) but its image \(image) is \(imageSize.width)×\(imageSize.height)")
          }
        }
        return ReferringObject(
          id: id, imagePath: image, target: .maskFile(path: mask, threshold: maskThreshold), sentences: sentences[id] ?? [])
      }
    }
    return ReferringDataset(objects: collector.objects, size: options.size, warnings: collector.warnings)
  }
}
