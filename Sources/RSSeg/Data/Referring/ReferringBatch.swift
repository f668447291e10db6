import RSSegModels
import Torch

/// One image–sentence sample ready to become tensors: the image normalised (3×H×W), the
/// target mask (H×W, 1 = the object the sentence means) and the sentence.
public struct ReferringItem: Sendable {
  public var width: Int
  public var height: Int
  public var image: [Float]
  public var target: [Int64]
  public var sentence: String
  /// A file-name-safe name of the sample, for outputs.
  public var name: String
  /// The sample's index in its list.
  public var index: Int

  public init(width: Int, height: Int, image: [Float], target: [Int64], sentence: String, name: String, index: Int) {
    self.width = width
    self.height = height
    self.image = image
    self.target = target
    self.sentence = sentence
    self.name = name
    self.index = index
  }
}

/// A batch of referring samples: images B×3×H×W float32, token ids and token mask B×N
/// int64 (`[CLS] … [SEP]`, padded with 0), targets B×H×W int64.
public struct ReferringBatch {
  public var images: Tensor
  public var tokenIDs: Tensor
  public var tokenMask: Tensor
  public var targets: Tensor
  public var sentences: [String]
  public var names: [String]
  public var indices: [Int]

  /// Stacks `items` (all of one size) and tokenises their sentences with `text`.
  /// - Throws: `DataError.badSample` when the items differ in size.
  public init(_ items: [ReferringItem], text: ReferringText) throws {
    guard let first = items.first else { throw DataError.invalidArgument("an empty referring batch") }
    var images = [Float](), targets = [Int64]()
    images.reserveCapacity(items.count * first.image.count)
    targets.reserveCapacity(items.count * first.target.count)
    for item in items {
      guard item.width == first.width, item.height == first.height, item.image.count == 3 * item.width * item.height,
        item.target.count == item.width * item.height
      else {
        throw DataError.badSample(
          path: "sample \(item.index)",
          problem: "is \(item.width)×\(item.height) but sample \(first.index) of the same batch is \(first.width)×\(first.height)")
      }
      images += item.image
      targets += item.target
    }
    let tokens = try text.batch(items.map(\.sentence))
    self.images = try Tensor(images, shape: [items.count, 3, first.height, first.width])
    self.targets = try Tensor(targets, shape: [items.count, first.height, first.width])
    tokenIDs = tokens.ids
    tokenMask = tokens.mask
    sentences = items.map(\.sentence)
    names = items.map(\.name)
    indices = items.map(\.index)
  }
}
