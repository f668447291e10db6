import Foundation
import RSSegModels
import Torch

/// What referring training and evaluation need from a network (LAVT, BTDNet): logits of a batch,
/// and in training the extra loss terms the network defines.
public protocol ReferringNetwork: Module {
  /// 2-class logits B×2×H×W at the input size for normalised images B×3×H×W, token ids and
  /// attention mask B×N.
  func logits(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor) throws -> Tensor
  /// Named, weighted loss terms besides the cross-entropy of `logits`, from a training-mode
  /// forward pass that also gives the logits (BTDNet's auxiliary terms); LAVT has none.
  func trainingOutput(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor, targets: Tensor) throws
    -> (logits: Tensor, extraTerms: [(name: String, value: Tensor)])
}

extension ReferringNetwork {
  public func trainingOutput(_ images: Tensor, tokenIDs: Tensor, tokenMask: Tensor, targets: Tensor) throws
    -> (logits: Tensor, extraTerms: [(name: String, value: Tensor)])
  {
    (try logits(images, tokenIDs: tokenIDs, tokenMask: tokenMask), [])
  }
}

/// Referring segmentation as a `TrainingTask`: image–sentence batches (one random sentence per
/// object), cross-entropy with class weights (LAVT: [0.9, 1.1]) plus the network's extra terms,
/// and validation scored with oIoU (the monitor), mIoU and P@0.5…0.9 in percent.
public final class ReferringTrainingTask: TrainingTask {
  public typealias Batch = ReferringBatch
  public let model: any ReferringNetwork
  public let loader: ReferringLoader
  public let validation: ReferringLoader
  public let loss: LAVTLoss
  public var evaluator = ReferringEvaluator()
  private let save: (String) throws -> Void
  private let groups: [ParamGroup]?

  /// - Parameters:
  ///   - parameterGroups: the AdamW groups (e.g. `ReferringSegmenter.optimizerGroups`); nil
  ///     trains every parameter alike.
  ///   - save: writes the network as a self-describing model file at a path.
  public init(
    model: any ReferringNetwork, loader: ReferringLoader, validation: ReferringLoader, classWeights: [Double],
    parameterGroups: [ParamGroup]? = nil, save: @escaping (String) throws -> Void
  ) throws {
    self.model = model
    groups = parameterGroups
    self.loader = loader
    self.validation = validation
    loss = LAVTLoss(classWeights: classWeights)
    self.save = save
  }

  public var network: Module { model }
  public var batchesPerEpoch: Int { loader.batchesPerEpoch }
  public var monitorMetric: String { "oIoU" }

  public func batches(epoch: Int, skipping: Int) -> () throws -> ReferringBatch? {
    loader.batches(epoch: epoch, skipping: skipping)
  }

  public func sampleCount(_ batch: ReferringBatch) -> Int { batch.indices.count }

  public func lossTerms(_ batch: ReferringBatch) throws -> [(name: String, value: Tensor)] {
    let output = try model.trainingOutput(batch.images, tokenIDs: batch.tokenIDs, tokenMask: batch.tokenMask, targets: batch.targets)
    let ce = try loss(output.logits, batch.targets)
    let total = try output.extraTerms.reduce(ce) { try $0 + $1.value }
    return [("total", total), ("ce", ce)] + output.extraTerms
  }

  public func validate(on device: Device) throws -> [String: Double] {
    let scores = try evaluator.run(
      { let batch = try $0.to(device); return try self.model.logits(batch.images, tokenIDs: batch.tokenIDs, tokenMask: batch.tokenMask) },
      on: validation)
    return Dictionary(uniqueKeysWithValues: scores.percentages.map { ($0.name, $0.value) })
  }

  public func writeModel(to path: String) throws { try save(path) }

  public func parameterGroups() throws -> [ParamGroup] { try groups ?? [ParamGroup(model.parameters())] }
}
