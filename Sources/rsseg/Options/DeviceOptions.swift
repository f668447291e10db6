import ArgumentParser
import Foundation
import Torch

/// `--device`, for every command that runs a model.
struct DeviceOptions: ParsableArguments {
  @Option(help: "Where the model runs: auto (cuda:LOCAL_RANK when a CUDA device is present, else cpu), cpu, cuda or cuda:N.")
  var device = DeviceChoice.auto

  /// The device, checked (a CPU build asked for CUDA, a missing GPU or index: one line).
  func resolved() throws -> Device { try device.resolvedHere() }
}

extension DeviceChoice: ExpressibleByArgument {
  public init?(argument: String) { try? self.init(parsing: argument) }
  public static var allValueStrings: [String] { ["auto", "cpu", "cuda", "cuda:N"] }

  /// The device this choice means for this process (`auto` takes `LOCAL_RANK`, set by
  /// `rsseg launch` and torchrun), as a one-line command failure when it cannot be used.
  func resolvedHere() throws -> Device {
    let localRank = ProcessInfo.processInfo.environment["LOCAL_RANK"].flatMap(Int.init) ?? 0
    do { return try resolve(localRank: localRank) } catch let error as TorchError { throw CommandFailure("--device \(self): \(error)") }
  }
}
