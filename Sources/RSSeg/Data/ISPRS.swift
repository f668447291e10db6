import Foundation
import RSSegModels

/// The ISPRS 2D semantic labelling benchmarks (Vaihingen, Potsdam).
///
/// Raw layout (as the official archives unpack, found at or one level below the source folder):
/// - Vaihingen: `top/top_mosaic_09cm_area<N>.tif` (IRRG), labels of the same name in
///   `ISPRS_semantic_labeling_Vaihingen_ground_truth_COMPLETE/` (or `gts_for_participants/`),
///   eroded labels `top_mosaic_09cm_area<N>_noBoundary.tif` in
///   `ISPRS_semantic_labeling_Vaihingen_ground_truth_eroded_COMPLETE/`.
/// - Potsdam: `2_Ortho_RGB/top_potsdam_<a>_<b>_RGB.tif`, labels
///   `5_Labels_all/top_potsdam_<a>_<b>_label.tif`, eroded labels
///   `5_Labels_all_noBoundary/top_potsdam_<a>_<b>_label_noBoundary.tif`.
///
/// Prepared layout (`rsseg prepare`): `<out>/{train,test}/images_1024/<patch>.tif` (3-band
/// uint8) and `masks_1024/<patch>.png` (class indices, ignore 6); 1024 is the patch size.
public enum ISPRS {
  public enum Site: String, Sendable, CaseIterable {
    case vaihingen, potsdam

    var imageFolders: [String] { self == .vaihingen ? ["top"] : ["2_Ortho_RGB"] }
    var labelFolders: [String] {
      self == .vaihingen
        ? ["ISPRS_semantic_labeling_Vaihingen_ground_truth_COMPLETE", "gts_for_participants"] : ["5_Labels_all"]
    }
    var erodedFolders: [String] {
      self == .vaihingen
        ? ["ISPRS_semantic_labeling_Vaihingen_ground_truth_eroded_COMPLETE", "gts_eroded_for_participants"]
        : ["5_Labels_all_noBoundary"]
    }

    /// The tile id of an image file name, nil for other files.
    func tileID(imageFile name: String) -> String? {
      let stem = (name as NSString).deletingPathExtension
      switch self {
      case .vaihingen:
        let prefix = "top_mosaic_09cm_area"
        guard stem.hasPrefix(prefix) else { return nil }
        let id = String(stem.dropFirst(prefix.count))
        return !id.isEmpty && id.allSatisfy(\.isNumber) ? id : nil
      case .potsdam:
        guard stem.hasPrefix("top_potsdam_"), stem.hasSuffix("_RGB") else { return nil }
        let id = String(stem.dropFirst("top_potsdam_".count).dropLast("_RGB".count))
        let parts = id.split(separator: "_")
        return parts.count == 2 && parts.allSatisfy { $0.allSatisfy(\.isNumber) } ? id : nil
      }
    }

    func labelFile(_ id: String) -> String {
      self == .vaihingen ? "top_mosaic_09cm_area\(id).tif" : "top_potsdam_\(id)_label.tif"
    }
    func erodedFile(_ id: String) -> String {
      self == .vaihingen ? "top_mosaic_09cm_area\(id)_noBoundary.tif" : "top_potsdam_\(id)_label_noBoundary.tif"
    }
    /// The tile's short name used for patches: `area1`, `2_10`.
    func tileName(_ id: String) -> String { self == .vaihingen ? "area\(id)" : id }

    /// The usual test tiles (spec §4).
    public var testTiles: Set<String> {
      switch self {
      case .vaihingen: return ["2", "4", "6", "8", "10", "12", "14", "16", "20", "22", "24", "27", "29", "31", "33", "35", "38"]
      case .potsdam:
        return ["2_13", "2_14", "3_13", "3_14", "4_13", "4_14", "4_15", "5_13", "5_14", "5_15", "6_13", "6_14", "6_15", "7_13"]
      }
    }
    /// Tiles left out of every split (Potsdam 7_10 has a label error).
    public var droppedTiles: Set<String> { self == .potsdam ? ["7_10"] : [] }

    /// Patch-split rules (spec §4, for 1024 px patches; other sizes scale them): training
    /// stride, and whether random crops rich in cars replace windows.
    public func trainStride(patchSize: Int) -> Int { self == .vaihingen ? patchSize / 2 : patchSize }
    public var oversamplesCars: Bool { self == .vaihingen }
  }

  public enum Split: String, Sendable, CaseIterable { case train, test }

  /// One raw tile: its image and label files (eroded labels for test tiles).
  public struct RawTile: Sendable, Equatable {
    public var id: String
    public var name: String
    public var image: URL
    public var label: URL
  }

  /// The raw tiles of `split` found under `root`, in tile-id order.
  /// - Throws: `DataError.layout` when a folder of the official layout is missing or empty, or a
  ///   tile's label file is missing.
  public static func rawTiles(site: Site, root: URL, split: Split) throws -> [RawTile] {
    let imageDir = try findFolder(site.imageFolders, under: root, what: "\(site.rawValue) images")
    let labelDir = try findFolder(
      split == .train ? site.labelFolders : site.erodedFolders, under: root,
      what: "\(site.rawValue) \(split == .train ? "labels" : "eroded test labels")")
    let images = try listFiles(in: imageDir, extensions: ["tif", "tiff"], what: "\(site.rawValue) image tiles")
    var tiles: [RawTile] = []
    for image in images {
      guard let id = site.tileID(imageFile: image.lastPathComponent), !site.droppedTiles.contains(id),
        site.testTiles.contains(id) == (split == .test)
      else { continue }
      let label = labelDir.appendingPathComponent(split == .train ? site.labelFile(id) : site.erodedFile(id))
      guard FileManager.default.fileExists(atPath: label.path) else {
        if split == .train { continue }  // tiles without public labels are not training tiles
        throw DataError.layout(path: label.path, problem: "eroded label of test tile \(id) not found")
      }
      tiles.append(RawTile(id: id, name: site.tileName(id), image: image, label: label))
    }
    guard !tiles.isEmpty else {
      throw DataError.layout(path: imageDir.path, problem: "no \(split.rawValue) tiles with labels in \(labelDir.path)")
    }
    return tiles.sorted { $0.id.localizedStandardCompare($1.id) == .orderedAscending }
  }

  /// Patches written by `rsseg prepare`.
  public static func patchDataset(root: URL, split: Split, patchSize: Int = 1024) throws -> SegmentationDataset {
    let dir = root.appendingPathComponent(split.rawValue)
    let images = try listFiles(
      in: dir.appendingPathComponent(imageFolder(patchSize)), extensions: ["tif"], what: "prepared ISPRS patches")
    let masks = dir.appendingPathComponent(maskFolder(patchSize))
    let samples = try images.map { image in
      let mask = masks.appendingPathComponent(stem(image) + ".png")
      guard FileManager.default.fileExists(atPath: mask.path) else {
        throw DataError.layout(path: mask.path, problem: "mask of \(image.path) not found")
      }
      return SegmentationSample(name: stem(image), imagePath: image.path, maskPath: mask.path)
    }
    return SegmentationDataset(samples: samples, classes: .isprs, encoding: .indices(.isprs))
  }

  static func imageFolder(_ patchSize: Int) -> String { "images_\(patchSize)" }
  static func maskFolder(_ patchSize: Int) -> String { "masks_\(patchSize)" }

  /// The first of `names` that is a folder in `root` or one level below it.
  static func findFolder(_ names: [String], under root: URL, what: String) throws -> URL {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw DataError.layout(path: root.path, problem: "source folder not found")
    }
    let children = ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).sorted().map { root.appendingPathComponent($0) }
    for name in names {
      for base in [root] + children {
        let candidate = base.appendingPathComponent(name)
        if fm.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue { return candidate }
      }
    }
    throw DataError.layout(
      path: root.path, problem: "no folder named \(names.joined(separator: " or ")) here or one level down (expected \(what))")
  }
}
