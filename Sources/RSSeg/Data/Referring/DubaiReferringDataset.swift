import Foundation
import Raster
import RSSegModels
import Torch

/// A referring dataset derived from the Dubai aerial sample's hand-drawn masks, the way RRSIS-D
/// was built: objects from annotations, expressions from templates, kept only when unambiguous.
///
/// - Each image (and its mask, nearest neighbour) is resized to `size` × `size`.
/// - **Objects** are the 4-connected regions of one class (Building, Land, Road, Vegetation,
///   Water; never Unlabeled or the black ignore pixels) of at least `minArea` of the image.
///   Regions of at least a quarter of that are **distractors**: they are never referred to but
///   count when deciding whether an expression is unambiguous.
/// - **Expressions** come from templates over the class ("the water body"), size ("the largest
///   building", "the smallest road", "the small building", "the big patch of vegetation"),
///   absolute position of the centroid in a 3 × 3 grid ("the building in the top left", "the
///   road on the left", "the water body at the bottom"), touching another class ("the building
///   next to the water body") and direction from a uniquely named object ("the road left of the
///   water body", "the building above the largest road"). Each template names a set of regions;
///   an expression is kept only when that set is exactly one object, and then belongs to it. At
///   most `maxSentences` per object (a seeded choice); objects with none are left out.
/// - Written in the RRSIS-D layout (`RRSISD` reads it): `images/rrsisd/JPEGImages/<name>.png`,
///   `rrsisd/instances.json` (compressed RLE, one category per class), `rrsisd/refs(unc).p`,
///   plus `dubai-referring.json` (counts and the everything-of-that-class baseline per split).
/// - Splits follow `DubaiAerial`: train = tiles 1–5 less their last image, val = those five,
///   test = tile 6.
public enum DubaiReferringDataset {
  public struct Options: Sendable {
    public var size = 192
    /// The smallest object, as a fraction of the image's pixels.
    public var minArea = 0.005
    public var maxSentences = 8
    public var seed: UInt64 = 0
    /// A control set: the same objects and as many sentences, each "the <class>" instead of the
    /// expression. A model that scores higher on the real set than here uses the words beyond
    /// the class (size, position, relations).
    public var classOnly = false

    public init(size: Int = 192, minArea: Double = 0.005, maxSentences: Int = 8, seed: UInt64 = 0, classOnly: Bool = false) {
      self.size = size
      self.minArea = minArea
      self.maxSentences = maxSentences
      self.seed = seed
      self.classOnly = classOnly
    }
  }

  /// The classes that objects are made of (indices into `SegmentationClasses.dubaiAerial`).
  public static let objectClasses = [0, 1, 2, 3, 4]
  /// How each class is named; the first noun is the one used in relations.
  public static let nouns: [[String]] = [
    ["building"], ["bare land", "unpaved area"], ["road"], ["vegetation", "patch of vegetation"], ["water body", "water"],
  ]
  public static let categoryNames = ["building", "land", "road", "vegetation", "water"]

  /// Scores of the everything-of-that-class baseline (predict every pixel of the expression's
  /// class), in percent, over every sentence of a split.
  public struct Baseline: Sendable, Equatable, Codable {
    public var oIoU = 0.0
    public var mIoU = 0.0
    public var precisionAt50 = 0.0
  }

  public struct Summary: Sendable, Equatable {
    public var images: [String: Int] = [:]
    public var objects: [String: Int] = [:]
    public var sentences: [String: Int] = [:]
    /// Objects per class name, over all splits.
    public var objectsPerClass: [String: Int] = [:]
    public var baseline: [String: Baseline] = [:]
    /// A few expressions of the test split.
    public var examples: [String] = []

    public var text: String {
      let lines = ["train", "val", "test"].map { split -> String in
        let b = baseline[split] ?? Baseline()
        return "\(split): \(images[split] ?? 0) images, \(objects[split] ?? 0) objects, \(sentences[split] ?? 0) expressions; "
          + String(format: "every pixel of the class: oIoU %.2f, mIoU %.2f, P@0.5 %.2f", b.oIoU, b.mIoU, b.precisionAt50)
      }
      let classes = categoryNames.map { "\($0) \(objectsPerClass[$0] ?? 0)" }.joined(separator: ", ")
      return (lines + ["objects per class: \(classes)"]).joined(separator: "\n")
    }
  }

  /// One connected region of a class.
  struct Region {
    var classIndex: Int
    var pixels: [Int]
    var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
    var sumX = 0.0, sumY = 0.0
    var area: Int { pixels.count }
    /// Centroid, as fractions of the image side.
    var cx = 0.0, cy = 0.0
  }

  /// An expression and the regions it names.
  struct Candidate {
    var text: String
    var regions: [Int]
  }

  /// Writes the dataset under `out` from the Dubai sample at `source`.
  /// - Throws: `DataError` for a missing or unreadable sample, or an output that cannot be written.
  @discardableResult
  public static func write(source: URL, to root: URL, options: Options = .init()) throws -> Summary {
    guard options.size >= 32, options.size % 32 == 0 else {
      throw DataError.invalidArgument("--size must be a multiple of 32 of at least 32, not \(options.size)")
    }
    guard options.minArea > 0, options.minArea < 1, options.maxSentences >= 1 else {
      throw DataError.invalidArgument("--min-area must be between 0 and 1 and --max-sentences at least 1")
    }
    let imageFolder = root.appendingPathComponent(RRSISD.imageFolder)
    let annotationFolder = root.appendingPathComponent("rrsisd")
    try makeFolder(imageFolder)
    try makeFolder(annotationFolder)
    var images: [[String: Any]] = [], annotations: [[String: Any]] = [], refs: [PickleData] = []
    var summary = Summary()
    var ious: [String: [(i: Int, u: Int)]] = [:]
    var imageID = 0, annotationID = 0, sentenceID = 0
    let size = options.size
    for split in DubaiAerial.Split.allCases {
      let dataset = try DubaiAerial.dataset(root: source, split: split)
      for index in 0..<dataset.count {
        let sample = dataset.samples[index]
        let pixels = try dataset.load(index).resized(width: size, height: size, filter: .bicubic)
        imageID += 1
        let fileName = "\(sample.name).png"
        let path = imageFolder.appendingPathComponent(fileName).path
        try writing(path) {
          try PNGWriter.write(RasterBuffer(width: size, height: size, bands: 3, values: pixels.image), to: path)
        }
        images.append(["id": imageID, "file_name": fileName, "height": size, "width": size])
        summary.images[split.rawValue, default: 0] += 1
        let (regions, referents, sentences) = expressions(mask: pixels.mask, size: size, options: options, salt: UInt64(imageID))
        var classPixels = [Int](repeating: 0, count: objectClasses.count)
        for label in pixels.mask where Int(label) < objectClasses.count { classPixels[Int(label)] += 1 }
        for r in referents {
          let region = regions[r]
          guard !sentences[r].isEmpty else { continue }
          let texts = options.classOnly ? sentences[r].map { _ in "the \(nouns[region.classIndex][0])" } : sentences[r]
          var mask = [Bool](repeating: false, count: size * size)
          for p in region.pixels { mask[p] = true }
          let rle = try COCORLE(mask: mask, width: size, height: size)
          annotationID += 1
          annotations.append([
            "id": annotationID, "image_id": imageID, "category_id": region.classIndex + 1,
            "segmentation": ["size": [size, size], "counts": rle.compressedCounts], "area": region.area,
            "bbox": [region.minX, region.minY, region.maxX - region.minX + 1, region.maxY - region.minY + 1], "iscrowd": 0,
          ])
          refs.append(
            RRSISDRef.entry(
              annotationID: annotationID, imageID: imageID, categoryID: region.classIndex + 1, split: split.rawValue, fileName: fileName,
              sentences: texts, firstSentenceID: sentenceID))
          sentenceID += texts.count
          summary.objects[split.rawValue, default: 0] += 1
          summary.sentences[split.rawValue, default: 0] += texts.count
          summary.objectsPerClass[categoryNames[region.classIndex], default: 0] += 1
          // The baseline predicts every pixel of the class: the object lies inside it.
          for _ in texts { ious[split.rawValue, default: []].append((region.area, classPixels[region.classIndex])) }
          if split == .test && summary.examples.count < 12 && texts.count > 1 {
            summary.examples.append("\(fileName) [\(categoryNames[region.classIndex])]: " + texts.prefix(3).map { "\"\($0)\"" }.joined(separator: ", "))
          }
        }
      }
    }
    for (split, pairs) in ious {
      let i = pairs.reduce(0) { $0 + $1.i }, u = pairs.reduce(0) { $0 + $1.u }
      let each = pairs.map { Double($0.i) / Double(max($0.u, 1)) }
      summary.baseline[split] = Baseline(
        oIoU: 100 * Double(i) / Double(max(u, 1)), mIoU: 100 * each.reduce(0, +) / Double(max(each.count, 1)),
        precisionAt50: 100 * Double(each.filter { $0 >= 0.5 }.count) / Double(max(each.count, 1)))
    }
    try RRSISDRef.writeAnnotations(
      images: images, annotations: annotations, categories: categoryNames, supercategory: "land cover", refs: refs, to: annotationFolder)
    let report: [String: Any] = [
      "images": summary.images, "objects": summary.objects, "sentences": summary.sentences,
      "objects_per_class": summary.objectsPerClass, "examples": summary.examples,
      "size": size, "min_area": options.minArea, "max_sentences": options.maxSentences, "class_only": options.classOnly,
      "baseline_every_pixel_of_the_class": summary.baseline.mapValues { ["oIoU": $0.oIoU, "mIoU": $0.mIoU, "P@0.5": $0.precisionAt50] },
    ]
    let reportURL = root.appendingPathComponent("dubai-referring.json")
    do {
      try writeAtomically(JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted]), to: reportURL)
    } catch {
      throw DataError.output(path: reportURL.path, problem: "cannot write: \(error.localizedDescription)")
    }
    return summary
  }

  /// The regions of a `size` × `size` class mask (objects and distractors), the indices of the
  /// objects, and each region's unambiguous expressions (empty for distractors).
  static func expressions(mask: [UInt8], size: Int, options: Options, salt: UInt64) -> (regions: [Region], referents: [Int], sentences: [[String]]) {
    let total = size * size
    let minObject = max(1, Int((options.minArea * Double(total)).rounded(.up)))
    let minDistractor = max(1, minObject / 4)
    let regions = connectedRegions(mask: mask, size: size).filter { $0.area >= minDistractor }
    let referents = regions.indices.filter { regions[$0].area >= minObject }
    let candidates = templates(regions: regions, size: size, mask: mask)
    var sentences = [[String]](repeating: [], count: regions.count)
    var seen = Set<String>()
    for candidate in candidates where candidate.regions.count == 1 && !seen.contains(candidate.text) {
      seen.insert(candidate.text)
      let r = candidate.regions[0]
      if regions[r].area >= minObject { sentences[r].append(candidate.text) }
    }
    for r in sentences.indices where sentences[r].count > options.maxSentences {
      var random = SeededRandom(seed: options.seed, 0x4455_4241, salt, UInt64(r))
      var list = sentences[r]
      for i in stride(from: list.count - 1, to: 0, by: -1) { list.swapAt(i, random.int(in: 0...i)) }
      sentences[r] = Array(list.prefix(options.maxSentences))
    }
    return (regions, referents, sentences)
  }

  /// 4-connected regions of the object classes, in scan order of their first pixel.
  static func connectedRegions(mask: [UInt8], size: Int) -> [Region] {
    var label = [Int32](repeating: -1, count: size * size)
    var regions: [Region] = []
    var stack: [Int] = []
    for start in 0..<(size * size) where label[start] < 0 && Int(mask[start]) < objectClasses.count {
      let c = mask[start], id = Int32(regions.count)
      var region = Region(classIndex: Int(c), pixels: [])
      label[start] = id
      stack.append(start)
      while let p = stack.popLast() {
        region.pixels.append(p)
        let x = p % size, y = p / size
        region.minX = min(region.minX, x); region.maxX = max(region.maxX, x)
        region.minY = min(region.minY, y); region.maxY = max(region.maxY, y)
        region.sumX += Double(x); region.sumY += Double(y)
        for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && ny >= 0 && nx < size && ny < size {
          let q = ny * size + nx
          if label[q] < 0 && mask[q] == c {
            label[q] = id
            stack.append(q)
          }
        }
      }
      region.pixels.sort()
      region.cx = (region.sumX / Double(region.area) + 0.5) / Double(size)
      region.cy = (region.sumY / Double(region.area) + 0.5) / Double(size)
      regions.append(region)
    }
    return regions
  }

  /// Every template instance over the image's regions, each with the regions it names.
  static func templates(regions: [Region], size: Int, mask: [UInt8]) -> [Candidate] {
    var out: [Candidate] = []
    let byClass = objectClasses.map { c in regions.indices.filter { regions[$0].classIndex == c } }
    // Touching: regions whose pixels are 4-neighbours (or 2 pixels apart across a thin line).
    var regionOf = [Int](repeating: -1, count: size * size)
    for (r, region) in regions.enumerated() { for p in region.pixels { regionOf[p] = r } }
    var touches = [Set<Int>](repeating: [], count: regions.count)
    for y in 0..<size {
      for x in 0..<size {
        let a = regionOf[y * size + x]
        guard a >= 0 else { continue }
        for (dx, dy) in [(1, 0), (0, 1), (2, 0), (0, 2)] where x + dx < size && y + dy < size {
          let b = regionOf[(y + dy) * size + x + dx]
          if b >= 0 && b != a && regions[b].classIndex != regions[a].classIndex {
            touches[a].insert(b)
            touches[b].insert(a)
          }
        }
      }
    }
    func column(_ r: Region) -> String { r.cx < 1.0 / 3 ? "left" : r.cx > 2.0 / 3 ? "right" : "middle" }
    func row(_ r: Region) -> String { r.cy < 1.0 / 3 ? "top" : r.cy > 2.0 / 3 ? "bottom" : "middle" }
    // Anchors for directional relations: a class with one region ("the road") or a clearly
    // largest one ("the largest road").
    var anchors: [(text: String, region: Int)] = []
    for c in objectClasses {
      let members = byClass[c]
      let noun = nouns[c][0]
      if members.count == 1 {
        anchors.append(("the \(noun)", members[0]))
      } else if members.count >= 2 {
        let sorted = members.sorted { regions[$0].area > regions[$1].area }
        if Double(regions[sorted[0]].area) >= 1.5 * Double(regions[sorted[1]].area) {
          anchors.append(("the largest \(noun)", sorted[0]))
        }
      }
    }
    for c in objectClasses {
      let members = byClass[c]
      guard !members.isEmpty else { continue }
      let areas = members.map { Double(regions[$0].area) }
      let largest = areas.max()!, smallest = areas.min()!
      for noun in nouns[c] {
        out.append(Candidate(text: "the \(noun)", regions: members))
        if members.count >= 2 {
          out.append(Candidate(text: "the largest \(noun)", regions: members.filter { 1.5 * Double(regions[$0].area) >= largest }))
          out.append(Candidate(text: "the biggest \(noun)", regions: members.filter { 1.5 * Double(regions[$0].area) >= largest }))
          out.append(Candidate(text: "the smallest \(noun)", regions: members.filter { Double(regions[$0].area) <= 1.5 * smallest }))
          out.append(Candidate(text: "the small \(noun)", regions: members.filter { 4 * Double(regions[$0].area) < largest }))
          out.append(Candidate(text: "the big \(noun)", regions: members.filter { 4 * Double(regions[$0].area) >= largest }))
        }
        // Absolute position of the centroid.
        for (r, c2) in [("top", "left"), ("top", "right"), ("bottom", "left"), ("bottom", "right")] {
          out.append(Candidate(text: "the \(noun) in the \(r) \(c2)", regions: members.filter { row(regions[$0]) == r && column(regions[$0]) == c2 }))
        }
        out.append(Candidate(text: "the \(noun) in the center", regions: members.filter { row(regions[$0]) == "middle" && column(regions[$0]) == "middle" }))
        for side in ["left", "right"] {
          out.append(Candidate(text: "the \(noun) on the \(side)", regions: members.filter { column(regions[$0]) == side }))
        }
        for side in ["top", "bottom"] {
          out.append(Candidate(text: "the \(noun) at the \(side)", regions: members.filter { row(regions[$0]) == side }))
        }
        // Touching a region of another class.
        for d in objectClasses where d != c && !byClass[d].isEmpty {
          let other = nouns[d][0]
          let next = members.filter { r in touches[r].contains { regions[$0].classIndex == d } }
          out.append(Candidate(text: "the \(noun) next to the \(other)", regions: next))
        }
        // Direction from a uniquely named region of another class.
        for anchor in anchors where regions[anchor.region].classIndex != c {
          let a = regions[anchor.region]
          let relations: [(String, (Region) -> Bool)] = [
            ("left of", { $0.cx < a.cx - 0.15 && $0.maxX < a.maxX }),
            ("right of", { $0.cx > a.cx + 0.15 && $0.minX > a.minX }),
            ("above", { $0.cy < a.cy - 0.15 && $0.maxY < a.maxY }),
            ("below", { $0.cy > a.cy + 0.15 && $0.minY > a.minY }),
          ]
          for (word, holds) in relations {
            out.append(Candidate(text: "the \(noun) \(word) \(anchor.text)", regions: members.filter { holds(regions[$0]) }))
          }
        }
      }
    }
    return out
  }
}
