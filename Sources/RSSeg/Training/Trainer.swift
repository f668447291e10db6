import Foundation
import RSSegModels
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

/// Trains a `TrainingTask` on a device (`RunSettings.device`: the network, its optimiser state
/// and each batch, moved one batch ahead): AdamW over the task's parameter groups (in Lookahead
/// with cosine annealing per epoch, or polynomial decay per step; `TrainerOptions`), gradient
/// accumulation, bf16 or fp16 autocast (fp16 with a `GradScaler`, its state checkpointed), validation every few epochs keeping the best k and the last checkpoint,
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
  /// Where the network, its optimiser state and the batches live.
  public let device: Device
  /// The arithmetic on `device` (`auto` resolved).
  public let precision: Precision
  let optimizer: any Optimizer
  /// The optimiser when it updates inside backward (`optimizer_in_backward`).
  let updateInBackward: AdamW?
  /// Loss scaling for fp16 autocast.
  let scaler: GradScaler?
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
    guard options.epochs > 0, options.run.accumulate > 0, options.run.validateEvery > 0, options.run.keepBest >= 0 else {
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
    device = try distributed?.device ?? options.run.device.resolve()
    precision = options.run.precision.resolved(on: device)
    scaler = precision == .fp16 ? try GradScaler() : nil
    if device.isCUDA {
      try Torch.configureCuDNN(deterministic: options.run.deterministic, benchmark: !options.run.deterministic)
    }
    try task.network.to(device)
    let groups = try task.parameterGroups()
    parameters = groups.flatMap(\.params)
    let adamw = try AdamW(groups: groups, lr: options.lr, weightDecay: options.weightDecay)
    optimizer = options.lookahead ? try Lookahead(adamw, k: options.lookaheadK, alpha: options.lookaheadAlpha) : adamw
    if options.run.optimizerInBackward {
      let conflicts = [
        options.run.accumulate > 1 ? "accumulate \(options.run.accumulate)" : nil,
        options.run.clipGradNorm.map { "clip_grad_norm \($0)" }, precision == .fp16 ? "fp16 loss scaling" : nil,
        options.lookahead ? "Lookahead" : nil, (distributed?.worldSize ?? 1) > 1 ? "\(distributed!.worldSize) processes" : nil,
      ].compactMap { $0 }
      guard conflicts.isEmpty else {
        throw TrainingError.config(
          path: folder.path, "optimizer_in_backward updates each parameter before the others' gradients exist, "
            + "which \(conflicts.joined(separator: ", ")) need")
      }
      updateInBackward = adamw
    } else {
      updateInBackward = nil
    }
    switch options.schedule {
    case .cosinePerEpoch:
      scheduler = LRScheduler(optimizer, schedule: CosineAnnealing(tMax: options.epochs, etaMin: options.minLR))
    case .polynomialPerStep(let power):
      let stepsPerEpoch = (task.batchesPerEpoch + options.run.accumulate - 1) / options.run.accumulate
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
    let (weights, state) = try store.load(name)
    try task.network.loadStateDict(weights, strict: true)
    try optimizer.loadStateDict(state.optimizer)
    try scheduler.loadStateDict(state.scheduler)
    if let scaler {
      guard !state.scaler.isEmpty else {
        throw TrainingError.resume(path: store.path(name).path, "the run did not train in fp16: its checkpoint has no loss-scaler state")
      }
      try scaler.loadStateDict(state.scaler)
    }
    (step, epoch, batchInEpoch) = (state.step, state.epoch, state.batch / worldSize)
    if state.batch % worldSize != 0 {
      FileHandle.standardError.write(Data(
        "warning: \(state.batch) batches of epoch \(state.epoch + 1) were done; \(worldSize) processes resume after \(state.batch / worldSize * worldSize)\n".utf8))
    }
    best = state.best
    lastCheckpoint = store.path(name).path
  }

  /// Trains until the last epoch, `maxSteps` or SIGINT.
  /// - Throws: `TrainingError.nonFiniteLoss` (the last checkpoint stays as it was), data and
  ///   model errors.
  public func run() throws -> TrainingOutcome {
    InterruptFlag.install()
    defer { InterruptFlag.uninstall() }
    let logs = isRoot ? (steps: try TrainingLog(folder: folder, name: "steps"), epochs: try TrainingLog(folder: folder, name: "epochs")) : nil
    try distributed?.synchroniseNetwork(task.network)
    while epoch < options.epochs {
      guard let epochSums = try runEpoch(stepLog: logs?.steps) else {
        try saveCheckpoint(metrics: [:])
        try distributed?.barrier()
        return outcome(finished: false)
      }
      let lr = optimizer.paramGroups[0].lr
      epoch += 1
      batchInEpoch = 0
      if options.schedule == .cosinePerEpoch { scheduler.step() }
      let metrics = try validateIfDue()
      try saveCheckpoint(metrics: metrics)
      var row: [(String, Double)] = [("epoch", Double(epoch)), ("step", Double(step)), ("lr", lr)]
      row += epochSums.means + [("images_per_s", epochSums.imagesPerSecond)]
      row += metrics.keys.sorted().map { ("val_\($0)", metrics[$0]!) }
      logs?.epochs.append(row)
      if options.run.progress && isRoot {
        let text = row.map { "\($0.0) \(String(format: "%.4g", $0.1))" }.joined(separator: "  ")
        FileHandle.standardError.write(Data((text + "\n").utf8))
      }
    }
    try distributed?.barrier()
    return outcome(finished: true)
  }

  /// Loss terms summed over batches, in the order they first appeared.
  struct LossSums {
    var order: [String] = []
    var sums: [String: Double] = [:]
    var images = 0
    var batches = 0
    var seconds = 0.0

    mutating func add(_ name: String, _ value: Double) {
      if sums[name] == nil { order.append(name) }
      sums[name, default: 0] += value
    }

    mutating func add(_ other: LossSums) {
      for name in other.order { add(name, other.sums[name]!) }
      images += other.images
      batches += other.batches
    }

    /// Each term's mean per batch.
    var means: [(String, Double)] { order.map { ($0, sums[$0]! / Double(max(batches, 1))) } }
    var imagesPerSecond: Double { Double(images) / max(seconds, 1e-9) }
  }

  /// Runs the rest of the current epoch, one optimiser step after the other. Returns the
  /// epoch's loss sums, or nil when stopped early (SIGINT or `maxSteps`).
  private func runEpoch(stepLog: TrainingLog?) throws -> LossSums? {
    task.network.train()
    let source = distributed.map { task.batches(epoch: epoch, skipping: batchInEpoch, rank: $0.rank, worldSize: $0.worldSize) }
      ?? task.batches(epoch: epoch, skipping: batchInEpoch)
    let next = DeviceBatches(on: device, source)
    let bar = ProgressBar(
      total: task.batchesPerRank(worldSize: worldSize) - batchInEpoch, label: "epoch \(epoch + 1)/\(options.epochs)",
      unit: "batch", enabled: options.run.progress && isRoot)
    defer { bar.finish() }
    var epochSums = LossSums()
    let epochStart = Date()
    while let (lr, stepSums) = try optimizerStep({ try next() }) {
      var row: [(String, Double)] = [("step", Double(step)), ("epoch", Double(epoch + 1)), ("lr", lr)]
      row += stepSums.means
      if let scaler { row += [("loss_scale", scaler.scale), ("skipped", scaler.foundNonFinite ? 1 : 0)] }
      if case .cuda(let index) = device {  // the caching allocator's high-water mark in this step
        row.append(("gpu_peak_mb", Double(try Torch.cudaMemory(index).peakAllocatedBytes) / 1e6))
        try Torch.resetPeakCUDAMemory(index)
      }
      row.append(("images_per_s", stepSums.imagesPerSecond))
      stepLog?.append(row)
      epochSums.add(stepSums)
      bar.advance(by: stepSums.batches / worldSize)
      let interrupted = try distributed?.any(InterruptFlag.isRaised) ?? InterruptFlag.isRaised
      if interrupted || (options.run.maxSteps > 0 && step >= options.run.maxSteps) { return nil }
    }
    epochSums.seconds = Date().timeIntervalSince(epochStart)
    return epochSums
  }

  /// One optimiser step over the next `accumulate` batches (over all ranks): forward, loss,
  /// backward, gradient averaging and clipping, the update and a per-step schedule. Returns the
  /// learning rate used and the step's loss sums (over all ranks), or nil when the epoch is over.
  private func optimizerStep(_ next: () throws -> Task.Batch?) throws -> (lr: Double, sums: LossSums)? {
    let start = Date()
    try optimizer.zeroGrad()
    var sums = LossSums()
    while sums.batches < options.run.accumulate, let batch = try next() {
      Torch.manualSeed(batchSeed())
      let terms = try precision.run(on: device) { try task.lossTerms(batch) }
      guard let total = terms.first(where: { $0.name == "total" })?.value else {
        throw TrainingError.config(path: folder.path, "the task returned no 'total' loss term")
      }
      let values = try terms.map { ($0.name, try $0.value.to(.float32).double()) }
      guard values.allSatisfy({ $0.1.isFinite }) else {
        throw TrainingError.nonFiniteLoss(
          step: step + 1, epoch: epoch + 1, terms: values.map { "\($0.0)=\($0.1)" }.joined(separator: ", "),
          lastCheckpoint: lastCheckpoint)
      }
      if sums.batches == options.run.accumulate - 1 { try distributed?.prepareForBackward() }
      if let updateInBackward {
        try updateInBackward.backwardStep(total)
      } else {
        try ((scaler?.scaled(total) ?? total) / Double(options.run.accumulate)).backward()
      }
      for (name, v) in values { sums.add(name, v) }
      sums.images += task.sampleCount(batch)
      sums.batches += 1
      batchInEpoch += 1
    }
    if sums.batches == 0 { return nil }
    try distributed?.averageGradients()
    try scaler?.unscale(parameters)  // the same on every rank: the gradients are averaged
    if let maxNorm = options.run.clipGradNorm { _ = try Optim.clipGradNorm(parameters, maxNorm: maxNorm) }
    let lr = optimizer.paramGroups[0].lr
    if let scaler {
      try scaler.step(optimizer)  // skipped when a gradient overflowed; the schedule goes on
    } else if updateInBackward == nil {
      try optimizer.step()
    }
    step += 1
    if options.schedule != .cosinePerEpoch { scheduler.step() }
    sums.seconds = Date().timeIntervalSince(start)
    if let distributed {  // loss sums and images over all ranks
      let totals = try distributed.sum(sums.order.map { sums.sums[$0]! } + [Double(sums.images), Double(sums.batches)])
      for (name, v) in zip(sums.order, totals) { sums.sums[name] = v }
      (sums.images, sums.batches) = (Int(totals[sums.order.count]), Int(totals[sums.order.count + 1]))
    }
    return (lr, sums)
  }

  /// The task's validation metrics when this epoch is due (every `validateEvery` and the last),
  /// on rank 0; otherwise none.
  private func validateIfDue() throws -> [String: Double] {
    guard isRoot && (epoch % options.run.validateEvery == 0 || epoch == options.epochs) else { return [:] }
    task.network.eval()
    defer { task.network.train() }
    return try Torch.withRepeatedInference { try precision.run(on: device) { try task.validate(on: device) } }
  }

  private var worldSize: Int { distributed?.worldSize ?? 1 }
  private var isRoot: Bool { distributed?.isRoot ?? true }

  /// libtorch's seed for the next batch (stochastic depth, dropout), from (seed, epoch, batch);
  /// the batch counts as in one process (rank r's batch b is batch b·W + r).
  private func batchSeed() -> UInt64 {
    let batch = batchInEpoch * worldSize + (distributed?.rank ?? 0)
    var random = SeededRandom(seed: options.run.seed, 0x7472_6169_6E, UInt64(epoch), UInt64(batch))
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
      best = Array(best.prefix(options.run.keepBest))
    }
    let state = TrainingState(
      step: step, epoch: epoch, batch: batchInEpoch * worldSize, optimizer: try optimizer.stateDict(),
      scheduler: scheduler.stateDict(), scaler: scaler?.stateDict() ?? [:], best: best, monitor: task.monitorMetric, metrics: metrics)
    try store.save(name, state: state, network: task.network, writeModel: task.writeModel)
    lastCheckpoint = store.path(name).path
    store.prune(keeping: Set(best.map(\.checkpoint) + [name]))
    try store.writeBest(best, monitor: task.monitorMetric)
  }

  private func outcome(finished: Bool) -> TrainingOutcome {
    TrainingOutcome(
      finished: finished, step: step, epoch: epoch, lastCheckpoint: lastCheckpoint,
      best: best.map { (store.path($0.checkpoint).path, $0.value) })
  }
}
