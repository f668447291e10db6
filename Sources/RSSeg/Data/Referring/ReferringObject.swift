import RSSegModels

/// One sentence that refers to an object.
public struct ReferringSentence: Sendable, Equatable, Hashable {
  /// `sent_id` in RRSIS-D; the line number (from 0) in a RefSegRS phrase file.
  public var id: Int
  /// The sentence as written (RRSIS-D's `raw`).
  public var text: String

  public init(id: Int, text: String) {
    self.id = id
    self.text = text
  }
}

/// Where an object's target mask comes from.
public enum ReferringTarget: Sendable, Equatable {
  /// Runs of a COCO segmentation (already validated against the image size); several are a union.
  case rle([COCORLE])
  /// A mask raster whose pixels above `threshold` are the target (RefSegRS: > 50).
  case maskFile(path: String, threshold: UInt8)
}

/// An object in an image and the sentences that refer to it (a RefCOCO-style "ref").
public struct ReferringObject: Sendable, Equatable {
  /// `ref_id` in RRSIS-D; the image id in RefSegRS.
  public var id: String
  public var imagePath: String
  public var target: ReferringTarget
  public var sentences: [ReferringSentence]

  public init(id: String, imagePath: String, target: ReferringTarget, sentences: [ReferringSentence]) {
    self.id = id
    self.imagePath = imagePath
    self.target = target
    self.sentences = sentences
  }
}

/// The dataset splits of referring benchmarks.
public enum ReferringSplit: String, Sendable, CaseIterable {
  case train, val, test
}
