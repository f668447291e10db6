import ArgumentParser
import Foundation
import Torch

extension RSSegCommand {
  /// `rsseg bench …`: repeatable benchmarks printing JSON lines.
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run benchmarks; each prints JSON lines.",
      subcommands: [Dispatch.self])
  }
}

extension RSSegCommand.Bench {
  /// Swift-over-C++ dispatch cost per op call.
  struct Dispatch: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Per-op dispatch overhead from Swift versus the same calls looped in C++.")

    @Option(help: "Calls per measurement (conv2d uses a tenth).")
    var iterations = 100_000

    @Option(help: "libtorch intra-op threads.")
    var threads = 1

    func run() throws {
      Torch.threads = threads
      for result in try DispatchBenchmark.run(iterations: iterations) {
        try printJSONLine(result)
      }
    }
  }
}

/// Prints one compact JSON object on its own line.
func printJSONLine<T: Encodable>(_ value: T) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys]
  print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
