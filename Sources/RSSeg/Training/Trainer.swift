import Foundation
import Torch

/// How a training run ended.
public struct TrainingOutcome: Sendable {
  /// False when stopped early (SIGINT or `maxSteps`) with a resumable checkpoint.
  public var finished: Bool
  public var step: Int
  public var epoch: Int
  /// Folder of the last checkpoint.
  public var lastCheckpoint: String?
  /// Best checkpoints' folders and monitor values, best first.
  public var best: [(checkpoint: String, value: Double)]
}

/// Trains a `TrainingTask`: AdamW over the task's parameter groups (in Lookahead with cosine
/// annealing per epoch, or polynomial decay per step; `TrainerOptions`), gradient accumulation,
/// optional bf16 autocast, validation every few epochs keeping the best k and the last checkpoint,
/// CSV/JSON-lines logs and a progress bar. Runs are reproducible: libtorch's generator is
/// reseeded from (seed, epoch, batch) before every batch and the loader's order and augmentation
/// depend only on (seed, epoch, index), so `resume()` continues exactly.
///
/// With a `DistributedTraining` the run is data-parallel over its ranks (see
/// DistributedTraining.swift): each rank takes its share of every global batch, gradients are
/// averaged before each step, rank 0 alone validates and writes logs and checkpoints.
/// Checkpoints count batches as one process would, so a run resumes on any number of ranks.
public final class Trainer<Task: TrainingTask> {
  public let task: Task
  public let options: TrainerOptions
  public let folder: URL
  let optimizer: any Optimizer
  let scheduler: LRScheduler
  /// The trained parameters (clipped together).
  let parameters: [Tensor]
  let store: CheckpointStore
  let distributed: DistributedTraining?
  /// Optimiser steps taken.
  public private(set) var step = 0
  public private(set) var epoch = 0
  /// Batches of the current epoch already consumed (by this rank).
  private(set) var batchInEpoch = 0
  private var best: [(checkpoint: String, value: Double)] = []
  private var lastCheckpoint: String?

  public init(task: Task, options: TrainerOptions, folder: URL, distributed: DistributedTraining? = nil) throws {
    guard options.epochs > 0, options.accumulate > 0, options.validateEvery > 0, options.keepBest >= 0 else {
      throw TrainingError.config(path: folder.path, "epochs, accumulate and validate_every must be ≥ 1")
    }
    if let distributed, task.batchesPerRank(worldSize: distributed.worldSize) == 0 {
      throw TrainingError.config(
        path: folder.path, "\(task.batchesPerEpoch) batches per epoch cannot be shared by \(distributed.worldSize) processes")
    }
    self.distributed = distributed
    self.task = task
    self.options = options
    self.folder = folder
    let groups = try task.parameterGroups()
    parameters = groups.flatMap(\.params)
    let adamw = try AdamW(groups: groups, lr: options.lr, weightDecay: options.weightDecay)
    optimizer = options.lookahead ? try Lookahead(adamw, k: options.lookaheadK, alpha: options.lookaheadAlpha) : adamw
    switch options.schedule {
    case .cosinePerEpoch:
      scheduler = LRScheduler(optimizer, schedule: CosineAnnealing(tMax: options.epochs, etaMin: options.minLR))
    case .polynomialPerStep(let power):
      let stepsPerEpoch = (task.batchesPerEpoch + options.accumulate - 1) / options.accumulate
      scheduler = LRScheduler(optimizer, schedule: PolynomialDecay(totalSteps: options.epochs * stepsPerEpoch, power: power))
    }
    store = CheckpointStore(run: folder)
    try makeFolder(folder)
  }

  /// Restores network, optimiser, scheduler and counters from the run folder's last checkpoint
  /// that passes its checksums (a damaged one is reported on stderr and skipped).
  public func resume() throws {
    guard let name = store.lastGood(warn: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) else {
      throw TrainingError.resume(path: folder.path, store.last == nil ? "no checkpoint (checkpoints/last is missing)" : "no undamaged checkpoint")
    }
    let dir = store.path(name)
    let model = try SafeTensors.read(dir.appendingPathComponent(CheckpointStore.modelFile).path)
    let file = try SafeTensors.read(dir.appendingPathComponent(CheckpointStore.stateFile).path)
    var weights = Dictionary(uniqueKeysWithValues: try model.tensors())
    for (key, tensor) in try file.tensors() where key.hasPrefix("network.") { weights[String(key.dropFirst("network.".count))] = tensor }
    try task.network.loadStateDict(weights, strict: true)
    let meta = file.metadata
    var state = OptimizerState()
    for (key, tensor) in try file.tensors() where key.hasPrefix("optimizer.") {
      state.tensors[String(key.dropFirst("optimizer.".count))] = tensor
    }
    for (key, value) in meta where key.hasPrefix("optimizer.") { state.metadata[String(key.dropFirst("optimizer.".count))] = value }
    try optimizer.loadStateDict(state)
    try scheduler.loadStateDict(meta)
    guard let s = meta["trainer.step"].flatMap(Int.init), let e = meta["trainer.epoch"].flatMap(Int.init),
      let b = meta["trainer.batch"].flatMap(Int.init)
    else { throw TrainingError.resume(path: dir.path, "the training state lacks its counters") }
    (step, epoch, batchInEpoch) = (s, e, b / worldSize)
    if b % worldSize != 0 {
      FileHandle.standardError.write(Data(
        "warning: \(b) batches of epoch \(e + 1) were done; \(worldSize) processes resume after \(b / worldSize * worldSize)\n".utf8))
    }
    best = (meta["trainer.best"] ?? "").split(separator: ";").compactMap { item in
      let parts = item.split(separator: "=")
      guard parts.count == 2, let v = Double(parts[1]) else { return nil }
      return (String(parts[0]), v)
    }
    lastCheckpoint = dir.path
  }

  /// Trains until the last epoch, `maxSteps` or SIGINT.
  /// - Throws: `TrainingError.nonFiniteLoss` (the last checkpoint stays as it was), data and
  ///   model errors.
  public func run() throws -> TrainingOutcome {
    InterruptFlag.install()
    defer { InterruptFlag.uninstall() }
    let stepLog = isRoot ? try TrainingLog(folder: folder, name: "steps") : nil
    let epochLog = isRoot ? try TrainingLog(folder: folder, name: "epochs") : nil
    try distributed?.synchroniseNetwork(task.network)
    while epoch < options.epochs {
      task.network.train()
      let next = distributed.map { task.batches(epoch: epoch, skipping: batchInEpoch, rank: $0.rank, worldSize: $0.worldSize) }
        ?? task.batches(epoch: epoch, skipping: batchInEpoch)
      let bar = ProgressBar(
        total: task.batchesPerRank(worldSize: worldSize) - batchInEpoch, label: "epoch \(epoch + 1)/\(options.epochs)",
        unit: "batch", enabled: options.progress && isRoot)
      var sums: [String: Double] = [:], order: [String] = [], images = 0, batches = 0
      let epochStart = Date()
      while true {
        let start = Date()
        try optimizer.zeroGrad()
        var stepSums: [String: Double] = [:], stepImages = 0, got = 0
        while got < options.accumulate, let batch = try next() {
          Torch.manualSeed(batchSeed())
          let terms = try Torch.withAutocast(enabled: options.bf16) { try task.lossTerms(batch) }
          guard let total = terms.first(where: { $0.name == "total" })?.value else {
            throw TrainingError.config(path: folder.path, "the task returned no 'total' loss term")
          }
          let values = try terms.map { ($0.name, try $0.value.to(.float32).double()) }
          guard values.allSatisfy({ $0.1.isFinite }) else {
            bar.finish()
            throw TrainingError.nonFiniteLoss(
              step: step + 1, epoch: epoch + 1, terms: values.map { "\($0.0)=\($0.1)" }.joined(separator: ", "),
              lastCheckpoint: lastCheckpoint)
          }
          if got == options.accumulate - 1 { try distributed?.prepareForBackward() }
          try (total / Double(options.accumulate)).backward()
          for (name, v) in values {
            if stepSums[name] == nil && !order.contains(name) { order.append(name) }
            stepSums[name, default: 0] += v
          }
          stepImages += task.sampleCount(batch)
          got += 1
          batchInEpoch += 1
        }
        if got == 0 { break }
        try distributed?.averageGradients()
        if let maxNorm = options.clipGradNorm { _ = try Optim.clipGradNorm(parameters, maxNorm: maxNorm) }
        let lr = optimizer.paramGroups[0].lr
        try optimizer.step()
        step += 1
        if options.schedule != .cosinePerEpoch { scheduler.step() }
        let seconds = Date().timeIntervalSince(start)
        if let distributed {  // loss sums and images over all ranks
          let totals = try distributed.sum(order.map { stepSums[$0] ?? .nan } + [Double(stepImages), Double(got)])
          for (name, v) in zip(order, totals) { stepSums[name] = v }
          (stepImages, got) = (Int(totals[order.count]), Int(totals[order.count + 1]))
        }
        var row: [(String, Double)] = [("step", Double(step)), ("epoch", Double(epoch + 1)), ("lr", lr)]
        row += order.map { ($0, (stepSums[$0] ?? .nan) / Double(got)) }
        row.append(("images_per_s", Double(stepImages) / max(seconds, 1e-9)))
        stepLog?.append(row)
        for (name, v) in stepSums { sums[name, default: 0] += v }
        images += stepImages
        batches += got
        bar.advance(by: got / worldSize)
        let interrupted = try distributed?.any(InterruptFlag.isRaised) ?? InterruptFlag.isRaised
        if interrupted || (options.maxSteps > 0 && step >= options.maxSteps) {
          bar.finish()
          try saveCheckpoint(metrics: [:])
          try distributed?.barrier()
          return outcome(finished: false)
        }
      }
      bar.finish()
      let lr = optimizer.paramGroups[0].lr
      epoch += 1
      batchInEpoch = 0
      if options.schedule == .cosinePerEpoch { scheduler.step() }
      var metrics: [String: Double] = [:]
      if isRoot && (epoch % options.validateEvery == 0 || epoch == options.epochs) {
        task.network.eval()
        metrics = try Torch.withInferenceMode { try Torch.withAutocast(enabled: options.bf16) { try task.validate() } }
        task.network.train()
      }
      try saveCheckpoint(metrics: metrics)
      let seconds = Date().timeIntervalSince(epochStart)
      var row: [(String, Double)] = [("epoch", Double(epoch)), ("step", Double(step)), ("lr", lr)]
      row += order.map { ($0, (sums[$0] ?? .nan) / Double(max(batches, 1))) }
      row.append(("images_per_s", Double(images) / max(seconds, 1e-9)))
      row += metrics.keys.sorted().map { ("val_\($0)", metrics[$0]!) }
      epochLog?.append(row)
      if options.progress && isRoot {
        let text = row.map { "\($0.0) \(String(format: "%.4g", $0.1))" }.joined(separator: "  ")
        FileHandle.standardError.write(Data((text + "\n").utf8))
      }
    }
    try distributed?.barrier()
    return outcome(finished: true)
  }

  private var worldSize: Int { distributed?.worldSize ?? 1 }
  private var isRoot: Bool { distributed?.isRoot ?? true }

  /// libtorch's seed for the next batch (stochastic depth, dropout), from (seed, epoch, batch);
  /// the batch counts as in one process (rank r's batch b is batch b·W + r).
  private func batchSeed() -> UInt64 {
    let batch = batchInEpoch * worldSize + (distributed?.rank ?? 0)
    var random = SeededRandom(seed: options.seed, 0x7472_6169_6E, UInt64(epoch), UInt64(batch))
    return random.next() >> 1
  }

  /// Writes a checkpoint (rank 0 only; the ranks' states are identical).
  private func saveCheckpoint(metrics: [String: Double]) throws {
    let name = String(format: "step-%08d", step)
    guard isRoot else {
      lastCheckpoint = store.path(name).path
      return
    }
    if let value = metrics[task.monitorMetric] {
      best.removeAll { $0.checkpoint == name }
      best.append((name, value))
      best.sort { $0.value > $1.value }
      best = Array(best.prefix(options.keepBest))
    }
    let state = try optimizer.stateDict()
    var meta = scheduler.stateDict()
    for (key, value) in state.metadata { meta["optimizer." + key] = value }
    meta["trainer.step"] = String(step)
    meta["trainer.epoch"] = String(epoch)
    meta["trainer.batch"] = String(batchInEpoch * worldSize)
    meta["trainer.best"] = best.map { "\($0.checkpoint)=\($0.value)" }.joined(separator: ";")
    meta["trainer.monitor"] = task.monitorMetric
    for (key, value) in metrics { meta["val." + key] = String(value) }
    var tensors = state.tensors.sorted { $0.key < $1.key }.map { ("optimizer." + $0.key, $0.value) }
    tensors.append(("trainer.step", try Tensor([Int64(step)], shape: [])))
    try store.save(name) { dir in
      let modelPath = dir.appendingPathComponent(CheckpointStore.modelFile).path
      try task.writeModel(to: modelPath)
      // Network state the model file leaves out (training-only heads) goes with the training state.
      let written = Set(try SafeTensors.read(modelPath).names)
      let rest = try task.network.orderedStateDict().filter { !written.contains($0.key) }.map { ("network." + $0.key, $0.tensor) }
      try SafeTensors.write(tensors + rest, metadata: meta, to: dir.appendingPathComponent(CheckpointStore.stateFile).path)
    }
    lastCheckpoint = store.path(name).path
    store.prune(keeping: Set(best.map(\.checkpoint) + [name]))
    let bestText = best.map { "{\"checkpoint\":\"\($0.checkpoint)\",\"\(task.monitorMetric)\":\($0.value)}" }
    try writeAtomically("[" + bestText.joined(separator: ",") + "]\n", to: store.folder.appendingPathComponent("best.json"))
  }

  private func outcome(finished: Bool) -> TrainingOutcome {
    TrainingOutcome(
      finished: finished, step: step, epoch: epoch, lastCheckpoint: lastCheckpoint,
      best: best.map { (store.path($0.checkpoint).path, $0.value) })
  }
}
