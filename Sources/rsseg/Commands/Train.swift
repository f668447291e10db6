import ArgumentParser
import AtomicFiles
import Foundation
import RSSeg
import RSSegModels
import Torch

extension RSSegCommand {
  /// `rsseg train`: trains BiCoR-Seg, or LAVT when the config's dataset is a referring one
  /// (rrsisd, refsegrs), with the paper's recipe from a YAML config.
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train BiCoR-Seg or LAVT (dataset rrsisd/refsegrs) from a YAML config (configs/*.yaml), with checkpoints, logs and exact resume.")

    @Option(help: "The training config (YAML). Optional with --resume (the run's saved config is used).")
    var config: String?

    @Option(name: .customLong("set"), help: "Override a config key: --set key=value (repeatable).")
    var overrides: [String] = []

    @Option(help: "Run folder for checkpoints and logs.")
    var out: String = "runs/train"

    @Option(help: "Continue the run in this folder from its last checkpoint (same next batch, same lr).")
    var resume: String?

    @Option(help: "Where to train (overrides the config's device): auto (cuda:LOCAL_RANK when a CUDA device is present, else cpu), cpu, cuda or cuda:N.")
    var device: DeviceChoice?

    func validate() throws {
      guard config != nil || resume != nil else { throw ValidationError("give --config FILE (or --resume DIR)") }
    }

    func run() throws {
      try MemoryPolicy.forRepeatedModelRuns()
      let folder = URL(fileURLWithPath: resume ?? out)
      let savedConfig = folder.appendingPathComponent("run-config.json").path
      let configPath = config ?? savedConfig
      if try ReferringTrainingConfig.describesReferring(path: configPath) {
        var settings = try ReferringTrainingConfig.load(path: configPath, overrides: overrides)
        if settings.run.threads > 0 { Torch.threads = settings.run.threads }
        if let device { settings.run.device = device }
        let (task, options, warnings) = try ReferringTrainingTask.make(settings)
        settings.run.maxSteps = 0  // a step limit applies to this invocation only
        try train(task, options: options, warnings: warnings, folder: folder, saving: try settings.json(), to: savedConfig)
      } else {
        var settings = try SegmentationTrainingConfig.load(path: configPath, overrides: overrides)
        if settings.run.threads > 0 { Torch.threads = settings.run.threads }
        if let device { settings.run.device = device }
        let (task, options, warnings) = try SegmentationTrainingTask.make(settings)
        settings.run.maxSteps = 0
        try train(task, options: options, warnings: warnings, folder: folder, saving: try settings.json(), to: savedConfig)
      }
    }

    /// Runs (or resumes) `task`, recording the settings in the run folder first. Started by
    /// `rsseg launch` (or torchrun), this process is one rank of a data-parallel run.
    private func train<Task: TrainingTask>(
      _ task: Task, options: TrainerOptions, warnings: [String], folder: URL, saving settings: String, to savedConfig: String
    ) throws {
      // One GPU per process (LOCAL_RANK picks it) over NCCL, or CPU processes over Gloo.
      let device = try options.run.device.resolvedHere()
      let distributed = try DistributedEnvironment.from(ProcessInfo.processInfo.environment).map {
        let group = try ProcessGroup($0, backend: device.isCUDA ? .nccl : .gloo, timeout: try DistributedTimeout.seconds(default: 1800))
        return try DistributedTraining(group: group, network: task.network, device: device)
      }
      let isRoot = distributed?.isRoot ?? true
      if isRoot { for warning in warnings { FileHandle.standardError.write(Data((warning + "\n").utf8)) } }
      let trainer = try Trainer(task: task, options: options, folder: folder, distributed: distributed)
      if resume != nil {
        try trainer.resume()
        if isRoot { print("resumed \(folder.path) at epoch \(trainer.epoch + 1), step \(trainer.step)") }
      }
      if isRoot { try AtomicFile.write(settings.utf8, to: savedConfig) }
      let outcome = try trainer.run()
      guard isRoot else { return }
      if outcome.finished {
        print("finished \(outcome.epoch) epochs, \(outcome.step) steps; last checkpoint \(outcome.lastCheckpoint ?? "-")")
      } else {
        print("stopped at step \(outcome.step); resume with: rsseg train --resume \(folder.path)")
      }
      for (path, value) in outcome.best { print("best \(task.monitorMetric) \(String(format: "%.4f", value)): \(path)") }
    }
  }
}
