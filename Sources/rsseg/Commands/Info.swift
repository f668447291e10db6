import ArgumentParser
import Foundation
import Torch

extension RSSegCommand {
  /// `rsseg info`: versions, libtorch location, threads and accelerators.
  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print rsseg and libtorch versions, threads, CUDA devices and bf16 support.")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
      let facts: [(String, Any)] = [
        ("rsseg", rssegVersion),
        ("libtorch", Torch.version),
        ("libtorch_path", Torch.libraryPath ?? "unknown"),
        ("threads", Torch.threads),
        ("cuda", Torch.cudaAvailable),
        ("cuda_devices", Torch.cudaDeviceCount),
        ("cpu", Torch.cpuCapability),
        ("bf16", Torch.cpuHasBF16),
      ]
      if json {
        let object = Dictionary(uniqueKeysWithValues: facts)
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
      } else {
        let width = facts.map(\.0.count).max()!
        for (key, value) in facts { print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(value)") }
      }
    }
  }
}
