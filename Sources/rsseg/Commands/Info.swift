import ArgumentParser
import Foundation
import Torch

extension RSSegCommand {
  /// `rsseg info`: versions, libtorch location, threads and accelerators: whether this build
  /// has CUDA, and each GPU it sees (name, memory, compute capability, native bf16).
  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print rsseg and libtorch versions, threads, the CUDA build and each GPU, and bf16 support.")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
      let gpus = Torch.cudaDevices
      let facts: [(String, Any)] = [
        ("rsseg", rssegVersion),
        ("libtorch", Torch.version),
        ("libtorch_path", Torch.libraryPath ?? "unknown"),
        ("threads", Torch.threads),
        ("cuda_build", Torch.builtWithCUDA),
        ("cuda", Torch.cudaAvailable),
        ("cuda_devices", Torch.cudaDeviceCount),
        ("cpu", Torch.cpuCapability),
        ("bf16", Torch.cpuHasBF16),
        ("huge_pages", Self.hugePages),
      ]
      if json {
        var object = Dictionary(uniqueKeysWithValues: facts)
        object["gpus"] = gpus.map { gpu -> [String: Any] in
          [
            "index": gpu.index, "name": gpu.name, "memory_gib": Self.gibibytes(gpu.totalMemoryBytes),
            "compute_capability": "\(gpu.computeCapability.major).\(gpu.computeCapability.minor)",
            "multiprocessors": gpu.multiprocessors, "bf16": gpu.nativeBF16,
          ]
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        return
      }
      let width = facts.map(\.0.count).max()!
      for (key, value) in facts { print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(value)") }
      for gpu in gpus {
        print(
          String(
            format: "gpu %d: %@, %.1f GiB, compute capability %d.%d, %d SMs, bf16 %@", gpu.index, gpu.name,
            Self.gibibytes(gpu.totalMemoryBytes), gpu.computeCapability.major, gpu.computeCapability.minor, gpu.multiprocessors,
            gpu.nativeBF16 ? "native" : "emulated"))
      }
      if !Torch.builtWithCUDA {
        print("this build runs on the CPU only (a CPU libtorch); build with LIBTORCH=… (a CUDA libtorch) for GPUs")
      } else if gpus.isEmpty {
        print("no CUDA device is visible (check the driver and CUDA_VISIBLE_DEVICES)")
      }
    }

    /// Whether tensors of 2 MB and more are asked to sit on transparent huge pages (CTorch sets
    /// THP_MEM_ALLOC_ENABLE=1 unless the user set it) and the kernel's mode for such requests.
    private static var hugePages: String {
      let requested = ProcessInfo.processInfo.environment["THP_MEM_ALLOC_ENABLE"] == "1"
      let enabled = try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8)
      let mode = enabled.flatMap { $0.split(separator: "[").dropFirst().first?.split(separator: "]").first }.map(String.init)
      guard requested else { return "off (THP_MEM_ALLOC_ENABLE is not 1)" }
      guard let mode, mode != "never" else { return "requested, but the kernel's transparent huge pages are off or unknown" }
      return "on (kernel: \(mode))"
    }

    private static func gibibytes(_ bytes: Int) -> Double { (Double(bytes) / Double(1 << 30) * 10).rounded() / 10 }
  }
}
