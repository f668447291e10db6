import Foundation
import RSSeg
import RSSegModels
import Torch

/// Model and training files: safetensors, torch.save checkpoints and pickles, YAML configs.
enum ReaderEntryPoints {
  /// Opens the file and materialises every tensor (a zero-copy view must lie inside the file).
  static func safetensors(_ bytes: UnsafeRawBufferPointer) throws {
    let file = try SafeTensors.read(try ScratchFile.write(bytes, for: .safetensors))
    for (_, tensor) in try file.tensors() { _ = try tensor.contiguous() }
  }

  /// Reads the file as a checkpoint (touching every tensor) and, when it is not one, as a plain
  /// pickle (dataset annotations).
  static func checkpoint(_ bytes: UnsafeRawBufferPointer) throws {
    let path = try ScratchFile.write(bytes, for: .checkpoint)
    do {
      for (_, tensor) in try TorchCheckpoint.read(path).flatTensors() { _ = try tensor.contiguous() }
    } catch {
      if bytes.starts(with: [0x50, 0x4B]) { throw error }  // a zip archive is never a plain pickle
      _ = try Pickle.read(path)
    }
  }

  /// Parses the file as a training config (unknown keys, wrong types and bad YAML must throw).
  static func config(_ bytes: UnsafeRawBufferPointer) throws {
    _ = try SegmentationTrainingConfig.load(path: try ScratchFile.write(bytes, for: .config))
  }
}
