import ArgumentParser
import Foundation
import Torch

extension RSSegCommand {
  /// `rsseg inspect FILE [--stats]`: the tensors of a checkpoint, one per line.
  struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List every tensor in a .safetensors, .pth or .ckpt file.",
      discussion: """
        One line per tensor: name, dtype and shape separated by tabs, e.g. \
        "features.0.0.weight<TAB>float32<TAB>[16, 3, 4, 4]". Names of tensors nested in a \
        checkpoint join the keys and list indices leading to them with "." \
        (state_dict.net.0.weight). With --stats, three more columns: min, max and sum (%.6g; \
        bool as 0/1; nan for the min and max of an empty tensor).
        """)

    @Argument(help: "A .safetensors file, or a file torch.save wrote (.pth, .pt, .ckpt).")
    var file: String

    @Flag(help: "Add min, max and sum columns.")
    var stats = false

    func run() throws {
      for (name, tensor) in try Self.tensors(in: file) {
        var line = "\(name)\t\(tensor.dtype)\t[\(tensor.shape.map(String.init).joined(separator: ", "))]"
        if stats {
          let (low, high, sum) = try Self.summary(tensor)
          line += "\t" + [low, high, sum].map { String(format: "%.6g", $0) }.joined(separator: "\t")
        }
        print(line)
      }
    }

    /// By extension; otherwise torch.save files by their first bytes, and safetensors for the rest.
    static func tensors(in path: String) throws -> [(String, Tensor)] {
      let url = URL(fileURLWithPath: path)
      if url.pathExtension == "safetensors" { return try SafeTensors.read(path).tensors() }
      if ["pth", "pt", "ckpt", "bin"].contains(url.pathExtension) { return try TorchCheckpoint.read(path).flatTensors() }
      let prefix = try FileHandle(forReadingFrom: url).read(upToCount: 4) ?? Data()
      if TorchCheckpoint.looksLikeCheckpoint(Array(prefix)) { return try TorchCheckpoint.read(path).flatTensors() }
      return try SafeTensors.read(path).tensors()
    }

    /// Min, max (NaN if any element is NaN, as torch does) and sum in float64.
    static func summary(_ tensor: Tensor) throws -> (Double, Double, Double) {
      let values = try tensor.to(.float64).contiguous()
      guard values.count > 0 else { return (.nan, .nan, 0) }
      return try values.withUnsafeRawPointer { raw in
        let elements = UnsafeBufferPointer(start: raw.assumingMemoryBound(to: Double.self), count: values.count)
        var (low, high, sum) = (Double.infinity, -Double.infinity, 0.0)
        for v in elements {
          if v.isNaN { low = .nan; high = .nan } else if !low.isNaN {
            low = Swift.min(low, v)
            high = Swift.max(high, v)
          }
          sum += v
        }
        return (low, high, sum)
      }
    }
  }
}
