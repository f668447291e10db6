import RSSegModels
import Torch

/// What a `Trainer` needs from a model family: its network, batches, loss terms, validation and
/// how to save the network. Semantic segmentation (`SegmentationTrainingTask`) is one; referring
/// segmentation can be another.
public protocol TrainingTask: AnyObject {
  associatedtype Batch: DeviceBatch
  /// The trained network (its parameters are optimised; its state is checkpointed).
  var network: Module { get }
  var batchesPerEpoch: Int { get }
  /// The batches of `epoch` in their fixed order, starting after the first `skipping`; the
  /// closure returns nil after the last.
  func batches(epoch: Int, skipping: Int) -> () throws -> Batch?
  /// One rank's share of the batches of `epoch` (DistributedTrainingTask.swift has the rule
  /// and a generic implementation), after its first `skipping`.
  func batches(epoch: Int, skipping: Int, rank: Int, worldSize: Int) -> () throws -> Batch?
  /// Images (samples) in `batch`, for images/s.
  func sampleCount(_ batch: Batch) -> Int
  /// Named loss terms of a training-mode forward pass; the one named "total" is minimised.
  func lossTerms(_ batch: Batch) throws -> [(name: String, value: Tensor)]
  /// The metric `validate()` reports that selects the best checkpoints (higher is better).
  var monitorMetric: String { get }
  /// Validation metrics with the network on `device` (in eval mode, under inference mode).
  func validate(on device: Device) throws -> [String: Double]
  /// Writes the network as a self-describing model file.
  func writeModel(to path: String) throws
  /// The optimised parameters in AdamW groups (a group's options override the defaults, e.g.
  /// `weight_decay` 0 for norms); parameters in no group are not trained.
  func parameterGroups() throws -> [ParamGroup]
}

extension TrainingTask {
  /// Every parameter of the network in one group.
  public func parameterGroups() throws -> [ParamGroup] { [ParamGroup(try network.parameters())] }
}
