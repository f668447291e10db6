import RSSegModels

/// Which sentence of which object: an element of a training epoch or an evaluation pass.
public struct ReferringSampleID: Sendable, Equatable, Hashable {
  /// Index into `ReferringDataset.objects`.
  public var object: Int
  /// Index into that object's `sentences`.
  public var sentence: Int

  public init(object: Int, sentence: Int) {
    self.object = object
    self.sentence = sentence
  }
}

/// A loaded image–sentence pair. Plain values, safe to hand between loader threads.
public struct ReferringSample: Sendable, Equatable {
  public var id: ReferringSampleID
  /// The object's dataset id (`ref_id` or RefSegRS image id), for naming outputs.
  public var objectID: String
  public var sentence: ReferringSentence
  public var imagePath: String
  /// The RGB image (C×H×W) and the target mask (1 = target, 0 = not), at the dataset's size.
  public var pixels: LabeledImage
  /// The image file's size, before resizing.
  public var originalWidth: Int
  public var originalHeight: Int

  /// A file-name-safe name unique per sample: `<object id>_s<sentence id>`.
  public var name: String { "\(objectID)_s\(sentence.id)" }
}
