import Foundation
import RSSegModels
import Torch

/// What a checkpoint holds besides the model file, as `training-state.safetensors`: the
/// optimiser's tensors (`optimizer.*`) and metadata (`optimizer.*`), the scheduler's metadata,
/// the fp16 loss scaler's state (`scaler.*`), the counters (`trainer.step`, `trainer.epoch`, `trainer.batch`), the best checkpoints so far
/// (`trainer.best`, "name=value;…", by `trainer.monitor`), the epoch's validation metrics
/// (`val.*`) and, as `network.*`, network state the model file leaves out (training-only heads).
struct TrainingState {
  var step: Int
  var epoch: Int
  /// Batches of the epoch already consumed, counted as one process would.
  var batch: Int
  var optimizer: OptimizerState
  var scheduler: [String: String]
  /// The fp16 loss scaler's `GradScaler.stateDict()` (empty without one).
  var scaler: [String: String] = [:]
  /// Best checkpoints' names and monitor values, best first.
  var best: [(checkpoint: String, value: Double)]
  var monitor: String
  var metrics: [String: Double] = [:]
  /// Network state outside the model file.
  var network: [(key: String, tensor: Tensor)] = []

  static let file = "training-state.safetensors"

  /// Writes the state into checkpoint folder `dir`.
  func save(in dir: URL) throws {
    var meta = scheduler
    for (key, value) in optimizer.metadata { meta["optimizer." + key] = value }
    for (key, value) in scaler { meta["scaler." + key] = value }
    meta["trainer.step"] = String(step)
    meta["trainer.epoch"] = String(epoch)
    meta["trainer.batch"] = String(batch)
    meta["trainer.best"] = best.map { "\($0.checkpoint)=\($0.value)" }.joined(separator: ";")
    meta["trainer.monitor"] = monitor
    for (key, value) in metrics { meta["val." + key] = String(value) }
    var tensors = optimizer.tensors.sorted { $0.key < $1.key }.map { ("optimizer." + $0.key, $0.value) }
    tensors.append(("trainer.step", try Tensor([Int64(step)], shape: [])))
    tensors += network.map { ("network." + $0.key, $0.tensor) }
    try SafeTensors.write(tensors, metadata: meta, to: dir.appendingPathComponent(Self.file).path)
  }

  /// Reads the state of checkpoint folder `dir`.
  /// - Throws: `TrainingError.resume` when the counters are missing.
  static func load(from dir: URL) throws -> TrainingState {
    let file = try SafeTensors.read(dir.appendingPathComponent(Self.file).path)
    let meta = file.metadata
    var optimizer = OptimizerState()
    var network: [(key: String, tensor: Tensor)] = []
    for (key, tensor) in try file.tensors() {
      if key.hasPrefix("optimizer.") { optimizer.tensors[String(key.dropFirst("optimizer.".count))] = tensor }
      if key.hasPrefix("network.") { network.append((String(key.dropFirst("network.".count)), tensor)) }
    }
    for (key, value) in meta where key.hasPrefix("optimizer.") { optimizer.metadata[String(key.dropFirst("optimizer.".count))] = value }
    guard let step = meta["trainer.step"].flatMap(Int.init), let epoch = meta["trainer.epoch"].flatMap(Int.init),
      let batch = meta["trainer.batch"].flatMap(Int.init)
    else { throw TrainingError.resume(path: dir.path, "the training state lacks its counters") }
    let best = (meta["trainer.best"] ?? "").split(separator: ";").compactMap { item -> (checkpoint: String, value: Double)? in
      let parts = item.split(separator: "=")
      guard parts.count == 2, let v = Double(parts[1]) else { return nil }
      return (String(parts[0]), v)
    }
    var scaler: [String: String] = [:]
    for (key, value) in meta where key.hasPrefix("scaler.") { scaler[String(key.dropFirst("scaler.".count))] = value }
    var metrics: [String: Double] = [:]
    for (key, value) in meta where key.hasPrefix("val.") { metrics[String(key.dropFirst("val.".count))] = Double(value) }
    return TrainingState(
      step: step, epoch: epoch, batch: batch, optimizer: optimizer, scheduler: meta, scaler: scaler, best: best,
      monitor: meta["trainer.monitor"] ?? "", metrics: metrics, network: network)
  }
}
