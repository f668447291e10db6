import Foundation
import RSSegModels
import Torch

/// Runs a segmentation network over whole images of a dataset (optionally with test-time
/// augmentation) and accumulates the confusion matrix (spec §5). Images whose sides are not
/// multiples of 32 are padded right and bottom with zeros (the normalised mean) and the logits
/// cropped back.
public struct SegmentationEvaluator {
  public var classes: SegmentationClasses
  public var normalization: Normalization
  public var tta: TestTimeAugmentation = .none
  /// Images per forward pass (images of a batch must share a size).
  public var batchSize = 1
  public var workers = 2
  /// Evaluate only the first this many images (0 = all).
  public var maxImages = 0
  public var progress = false
  /// Where the network runs; batches move there and predicted classes come back.
  public var device = Device.cpu

  public init(classes: SegmentationClasses, normalization: Normalization) {
    self.classes = classes
    self.normalization = normalization
  }

  /// The confusion matrix of `model` (logits `[B, N, H, W]`) on `dataset`; `onPrediction`
  /// receives each sample with its predicted classes (row-major, width × height).
  public func run(
    _ model: (Tensor) throws -> Tensor, on dataset: SegmentationDataset,
    onPrediction: ((SegmentationSample, _ prediction: [UInt8], _ width: Int, _ height: Int) throws -> Void)? = nil
  ) throws -> ConfusionMatrix {
    var subset = dataset
    if maxImages > 0 { subset.samples = Array(subset.samples.prefix(maxImages)) }
    var transform = EvaluationTransform()
    transform.normalization = normalization
    let loader = try DataLoader(
      dataset: subset, transform: transform,
      options: LoaderOptions(batchSize: batchSize, shuffle: false, dropLast: false, workers: workers))
    var matrix = ConfusionMatrix(classes: classes.count)
    let bar = ProgressBar(total: subset.count, label: "evaluate", unit: "img", enabled: progress)
    defer { bar.finish() }
    let batches = loader.epoch(0)
    // One cast of each weight for the whole set under autocast (Torch.withRepeatedInference).
    try Torch.withRepeatedInference {
      while let batch = try batches.next() {
        let predicted = try predict(model, batch.images.transferred(to: device))
        let labels = try batch.labels.scalars(as: Int64.self)
        try matrix.add(truth: labels, predicted: predicted)
        let h = batch.labels.shape[1], w = batch.labels.shape[2]
        if let onPrediction {
          for (k, index) in batch.indices.enumerated() {
            try onPrediction(subset.samples[index], predicted[(k * w * h)..<((k + 1) * w * h)].map { UInt8($0) }, w, h)
          }
        }
        bar.advance(by: batch.indices.count)
      }
    }
    return matrix
  }

  /// Predicted classes (B·H·W, row-major) for normalised images `[B, C, H, W]`.
  public func predict(_ model: (Tensor) throws -> Tensor, _ images: Tensor) throws -> [Int64] {
    let h = images.shape[2], w = images.shape[3]
    let ph = (32 - h % 32) % 32, pw = (32 - w % 32) % 32
    let input = ph + pw > 0 ? try Functional.pad(images, [0, pw, 0, ph]) : images
    var logits = try tta.logits(input, model)
    if ph + pw > 0 { logits = try logits.narrow(dim: 2, start: 0, length: h).narrow(dim: 3, start: 0, length: w) }
    return try logits.argmax(dim: 1).contiguous().scalars(as: Int64.self)
  }
}
