/// Drives an optimiser's learning rates with a schedule (`torch.optim.lr_scheduler`): each
/// group's rate is `schedule.lr(at: step, base: baseLR)`, where the base rates are the groups'
/// rates when the scheduler was made. Creating it sets step 0's rates; call `step()` once per
/// epoch or per iteration, matching the units of the schedule.
public final class LRScheduler {
  public let optimizer: any Optimizer
  public let schedule: any LRSchedule
  public private(set) var baseLRs: [Double]
  /// Steps taken (PyTorch's `last_epoch`).
  public private(set) var stepCount = 0

  public init(_ optimizer: any Optimizer, schedule: any LRSchedule) {
    self.optimizer = optimizer
    self.schedule = schedule
    baseLRs = optimizer.paramGroups.map(\.lr)
    apply()
  }

  /// Advances one step and updates the optimiser's learning rates.
  public func step() {
    stepCount += 1
    apply()
  }

  /// The learning rate of each group now.
  public var currentLRs: [Double] { optimizer.paramGroups.map(\.lr) }

  private func apply() {
    for g in optimizer.paramGroups.indices {
      optimizer.paramGroups[g].lr = schedule.lr(at: stepCount, base: baseLRs[g])
    }
  }

  /// `scheduler.last_epoch` and `base_lrs` as metadata.
  public func stateDict() -> [String: String] {
    var out = ["scheduler.step": String(stepCount)]
    for (g, lr) in baseLRs.enumerated() { out["scheduler.base_lr.\(g)"] = String(lr) }
    return out
  }

  /// Restores `stateDict()` and sets the rates of the restored step.
  public func loadStateDict(_ state: [String: String]) throws {
    guard let step = state["scheduler.step"].flatMap(Int.init) else {
      throw TorchError.invalidArgument("LRScheduler: saved state lacks 'scheduler.step'")
    }
    let bases = try baseLRs.indices.map { g -> Double in
      guard let lr = state["scheduler.base_lr.\(g)"].flatMap(Double.init) else {
        throw TorchError.invalidArgument("LRScheduler: saved state lacks the base rate of group \(g)")
      }
      return lr
    }
    stepCount = step
    baseLRs = bases
    apply()
  }
}
